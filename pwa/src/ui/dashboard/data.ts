/**
 * The dashboard's data: GET /api/stats and /api/stats/rankings for one unit
 * and period, in the UI's language, kept in IndexedDB so a wall screen that
 * loses its network keeps showing the last figures (and says how old they are).
 */

import { getMeta, setMeta } from "../../db/meta";
import type { GridwalkDB } from "../../db/schema";
import type { ApiClient } from "../../sync/api";

export type PeriodKind = "day" | "week" | "month";

export interface DashboardQuery {
  period: PeriodKind;
  date?: string;
  scope?: string;
  id?: number;
}

export interface MeasureRow {
  key: string;
  label: string;
  doc: string;
  rate: boolean;
  higher_is_better: boolean;
  value: number | null;
  numerator: number;
  denominator: number | null;
  previous: number | null;
}

export interface TrendPoint {
  from: string;
  to: string;
  found: number;
  closed: number;
  overdue: number;
}

export interface GridFigure {
  id: number;
  code: string;
  name: string;
  boundary: { type: string; coordinates: number[][][] } | null;
  center: [number, number] | null;
  found: number;
  open: number;
  open_overdue: number;
  on_time_rate: number | null;
  closing_rate: number | null;
}

export interface DepartmentRow {
  department_id: number;
  name: string;
  acknowledged: number;
  ack_median_hours: number | null;
  ack_p90_hours: number | null;
  resolved: number;
  resolve_median_hours: number | null;
  resolve_p90_hours: number | null;
  open: number;
  overdue: number;
}

export interface Stats {
  scope: { kind: string; id: number; name: string };
  period: { kind: string; from: string; to: string };
  previous_period: { kind: string; from: string; to: string };
  as_of: string;
  lang: string;
  measures: MeasureRow[];
  levels: { level: string; label: string; count: number; share: number | null }[];
  open_by_color: { color: string; label: string; count: number }[];
  trend: TrendPoint[];
  top_categories: { category: string; label: string; count: number; this_week: number; last_week: number;
    week_change: number | null }[];
  departments: DepartmentRow[];
  grids: GridFigure[];
}

export interface RankedUnit {
  rank: number | null;
  id: number;
  name: string;
  score: number | null;
  flag: "horse" | "snail" | null;
  flag_label: string | null;
  measures: Record<string, number | null>;
  contributions: Record<string, number>;
}

export interface Ranking {
  unit: "grid" | "street";
  weights: { measure: string; label: string; weight: number }[];
  items: RankedUnit[];
}

export interface DashboardSnapshot {
  /** When this screen received it (ISO). */
  fetchedAt: string;
  stats: Stats;
  ranking: Ranking | null;
}

/** Keys of the stored dashboards start with this. */
export const DASHBOARD_PREFIX = "dashboard:";
/** Units whose grids (or streets) are ranked. */
const RANKED = new Set(["community", "street", "district"]);

export function queryString(q: DashboardQuery, lang: string): string {
  const p = new URLSearchParams({ period: q.period, lang });
  if (q.date) p.set("date", q.date);
  if (q.scope) p.set("scope", q.scope);
  if (q.id !== undefined) p.set("id", String(q.id));
  return p.toString();
}

function key(q: DashboardQuery, lang: string): string {
  return DASHBOARD_PREFIX + queryString(q, lang);
}

/** The stored figures of this query, if this screen ever fetched them. */
export function loadDashboard(d: GridwalkDB, q: DashboardQuery, lang: string): Promise<DashboardSnapshot | undefined> {
  return getMeta<DashboardSnapshot>(d, key(q, lang));
}

/** Fetches the figures (and the ranking, for a unit made of grids) and stores them. */
export async function refreshDashboard(d: GridwalkDB, api: ApiClient, q: DashboardQuery, lang: string,
                                       now: () => Date = () => new Date()): Promise<DashboardSnapshot> {
  const qs = queryString(q, lang);
  const stats = await api.json<Stats>(`/stats?${qs}`);
  const ranking = RANKED.has(stats.scope.kind)
    ? await api.json<Ranking>(`/stats/rankings?${queryString({ ...q, scope: stats.scope.kind, id: stats.scope.id }, lang)}`)
    : null;
  const snapshot: DashboardSnapshot = { fetchedAt: now().toISOString(), stats, ranking };
  await setMeta(d, key(q, lang), snapshot);
  return snapshot;
}
