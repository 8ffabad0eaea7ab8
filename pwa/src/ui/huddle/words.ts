/** The huddle's codes in the lead's language: cluster reasons, kinds, suggestions, outbox items. */

import { formatNumber, t, type MessageKey } from "../../i18n";
import type { OutboxItem } from "../../db/schema";
import { parseReason } from "./model";

const REASONS = new Set([
  "reports", "reporters", "same_category", "categories", "max_distance_m", "hours_apart", "text_similarity",
  "photo_distance", "same_reporter", "different_category", "same_subcategory", "different_subcategory",
  "distance_m", "no_location", "different_languages", "same_address_number", "different_address_number", "same_ticket",
]);

/** One reason code ("distance_m=18", "same_category") as words; unknown codes are shown as they are. */
export function reasonText(reason: string): string {
  const [code, raw] = parseReason(reason);
  if (!REASONS.has(code)) return reason;
  const n = raw === undefined ? NaN : Number(raw);
  let v = raw ?? "";
  if (code === "text_similarity" && Number.isFinite(n)) v = formatNumber(n, undefined, { style: "percent" });
  else if (Number.isFinite(n)) v = formatNumber(n);
  return t(`reason.${code}` as MessageKey, { v });
}

/** Reasons worth a lead's attention, in order: the counts are said elsewhere. */
export function clusterReasons(reasons: readonly string[]): string[] {
  return reasons.filter((r) => !r.startsWith("reports=")).map(reasonText);
}

/** 多人一诉 / 一人多诉 / mixed. */
export function clusterKind(kind: string): string {
  const key = `huddle.kind.${kind}` as MessageKey;
  const text = t(key);
  return text === key ? kind : text;
}

/** What to do about a recurring problem, from its code (the English `suggestion` is the fallback). */
export function suggestionText(code: string | undefined, fallback: string | undefined): string {
  if (code === "street_wide_check" || code === "grid_wide_check") return t(`huddle.suggestion.${code}`);
  return fallback ?? "";
}

/** An outbox item of the board in words ("新建交接单《…》", "拆分报告" …). */
export function actionText(item: OutboxItem): string {
  const m = item.mutation;
  const key = `huddle.action.${m.entity}.${m.op}` as MessageKey;
  const text = t(key, { title: String(m.data.title ?? "") });
  return text === key ? `${m.entity} · ${m.op}` : text;
}

/** The entities the board writes (its pending actions). */
export const BOARD_ENTITIES = new Set(["ticket", "conflict", "keep_apart", "notice"]);
