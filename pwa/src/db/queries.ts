/** Reads the screens make: lists of records, today's records, counts. */

import type { GridwalkDB, RecordRow } from "./schema";

/** Midnight today (local time) as an ISO string, for comparing with stored ISO times. */
export function startOfTodayIso(now = new Date()): string {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

/** A local calendar day as YYYY-MM-DD (the form of a notice's `for_day`). */
export function localDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Live (not deleted) records of one entity, newest first, from `sinceIso` on. */
export async function listRecords(d: GridwalkDB, entity: string, sinceIso = ""): Promise<RecordRow[]> {
  const rows = await d.records
    .where("[entity+sortAt]")
    .between([entity, sinceIso], [entity, "\uffff"], true, true)
    .reverse()
    .toArray();
  return rows.filter((r) => !r.deleted);
}

/** Whether a record was made by this user (or on this phone, before the server stamped it). */
export function isMine(rec: RecordRow, user: { id: string | number; username: string } | undefined): boolean {
  const owner = rec.data.reporter ?? rec.data.user ?? rec.data.visitor;
  if (owner == null || owner === "") return true;
  if (!user) return true;
  if (typeof owner === "object") {
    const o = owner as { id?: unknown; username?: unknown };
    return o.id === user.id || o.username === user.username;
  }
  return owner === user.username || String(owner) === String(user.id);
}

export function getRecord(d: GridwalkDB, entity: string, id: string): Promise<RecordRow | undefined> {
  return d.records.get([entity, id]);
}
