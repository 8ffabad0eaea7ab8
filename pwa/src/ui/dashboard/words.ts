/**
 * The dashboard's words in zh-CN and English. Kept beside the screen (its
 * own chunk) rather than in the shared catalogues; measure names, category
 * names and flags come from the server in the UI's language.
 */

import { formatNumber, locale } from "../../i18n";

const ZH = {
  title: "统计看板",
  "title.wall": "网格治理大屏",
  loading: "正在加载统计…",
  offline: "离线：显示 {age} 的数据",
  error: "统计暂时无法加载：{message}",
  retry: "重试",
  "period.day": "日",
  "period.week": "周",
  "period.month": "月",
  "period.label": "统计周期",
  "date.label": "日期",
  "wall.on": "大屏模式",
  "wall.off": "退出大屏",
  "scope.back": "返回全街道",
  "headline.title": "核心指标",
  "headline.previous": "上期 {v}",
  "headline.none": "—",
  "trend.title": "趋势：发现 / 结案 / 超期",
  "trend.found": "发现问题",
  "trend.closed": "结案",
  "trend.overdue": "超期",
  "map.title": "网格地图",
  "map.open": "未结问题",
  "map.on_time": "按期结案率",
  "map.no_data": "无数据",
  "map.legend.low": "少",
  "map.legend.high": "多",
  "ranking.title": "网格排名",
  "ranking.title.street": "街道排名",
  "ranking.rank": "名次",
  "ranking.name": "名称",
  "ranking.score": "综合得分",
  "ranking.none": "没有可排名的单位",
  "league.title": "部门报到与处置",
  "league.department": "部门",
  "league.ack": "报到（中位 / P90，小时）",
  "league.fix": "处置（中位 / P90，小时）",
  "league.open": "在办 / 超期",
  "league.none": "本期没有派发到部门的交接单",
  "levels.title": "解决层级",
  "colors.title": "在办督办颜色",
  "categories.title": "高发问题",
  "categories.week": "本周 {n}，上周 {m}",
  "as_of": "统计至 {t}",
} as const;

export type WordKey = keyof typeof ZH;

const EN: Record<WordKey, string> = {
  title: "Dashboard",
  "title.wall": "Grid governance wall",
  loading: "Loading the figures…",
  offline: "Offline: figures from {age}",
  error: "The figures cannot be loaded now: {message}",
  retry: "Retry",
  "period.day": "Day",
  "period.week": "Week",
  "period.month": "Month",
  "period.label": "Period",
  "date.label": "Date",
  "wall.on": "Wall screen",
  "wall.off": "Leave wall screen",
  "scope.back": "Back to the street",
  "headline.title": "Headline figures",
  "headline.previous": "before {v}",
  "headline.none": "—",
  "trend.title": "Trend: found / closed / overdue",
  "trend.found": "Found",
  "trend.closed": "Closed",
  "trend.overdue": "Overdue",
  "map.title": "Grid map",
  "map.open": "Open problems",
  "map.on_time": "On-time closing rate",
  "map.no_data": "No data",
  "map.legend.low": "few",
  "map.legend.high": "many",
  "ranking.title": "Grid ranking",
  "ranking.title.street": "Street ranking",
  "ranking.rank": "Rank",
  "ranking.name": "Name",
  "ranking.score": "Score",
  "ranking.none": "Nothing to rank",
  "league.title": "Departments: reporting in and fixing",
  "league.department": "Department",
  "league.ack": "Acknowledge (median / p90, h)",
  "league.fix": "Fix (median / p90, h)",
  "league.open": "Open / overdue",
  "league.none": "No ticket went to a department in this period",
  "levels.title": "Where problems were solved",
  "colors.title": "Open tickets by colour",
  "categories.title": "Top problems",
  "categories.week": "this week {n}, last week {m}",
  "as_of": "As of {t}",
};

/** A dashboard word in the current language, with `{name}` placeholders filled in. */
export function w(key: WordKey, params?: Record<string, string | number>): string {
  const text: string = locale.value === "en" ? EN[key] : ZH[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name];
    return v === undefined ? `{${name}}` : typeof v === "number" ? formatNumber(v) : v;
  });
}

/** A rate (0..1) as a percentage, or a dash when there is nothing to divide by. */
export function percent(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return w("headline.none");
  return formatNumber(v, undefined, { style: "percent", maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A measure's value as people read it: a count, or a rate as a percentage. */
export function measureText(value: number | null | undefined, rate: boolean): string {
  if (value === null || value === undefined) return w("headline.none");
  return rate ? percent(value) : formatNumber(value);
}

/** Hours with one decimal, or a dash. */
export function hours(v: number | null | undefined): string {
  return v === null || v === undefined ? w("headline.none") : formatNumber(v, undefined, { maximumFractionDigits: 1 });
}
