/** Conflicts as the server lists them (GET /api/conflicts), put in words for the Sync screen. */

import { parseHlc } from "./hlc";

export interface ConflictSide {
  value: unknown;
  actor?: string;
  at?: number;
}

export interface ConflictSummary {
  entity: string;
  entityId: string;
  field: string;
  kind: string;
  kept: ConflictSide;
  losing: ConflictSide[];
}

function side(raw: unknown): ConflictSide {
  if (!raw || typeof raw !== "object" || !("value" in raw)) return { value: raw };
  const r = raw as { value: unknown; actor?: unknown; hlc?: unknown };
  let at: number | undefined;
  try {
    at = typeof r.hlc === "string" ? parseHlc(r.hlc).wall : undefined;
  } catch {
    at = undefined;
  }
  return { value: r.value, actor: typeof r.actor === "string" && r.actor ? r.actor : undefined, at };
}

/** The kept value and the value(s) that lost, with who wrote each and when. */
export function describeConflict(raw: Record<string, unknown>): ConflictSummary {
  const losing = raw.losing ?? raw.lost;
  return {
    entity: String(raw.entity ?? ""),
    entityId: String(raw.entity_id ?? ""),
    field: String(raw.field ?? ""),
    kind: String(raw.kind ?? ""),
    kept: side(raw.kept),
    losing: (Array.isArray(losing) ? losing : losing === undefined ? [] : [losing]).map(side),
  };
}

/** A value as short text. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
