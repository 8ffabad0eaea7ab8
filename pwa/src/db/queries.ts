/**
 * Reads the screens make: records, the outbox, photos and conflicts. Screens and components
 * read Dexie through these functions (and `meta.ts`) and never take a table themselves, so
 * every query the app shows is here, named, with its index; `test/storageAccess.test.ts`
 * holds the rule. Each is a plain Dexie read and may run inside a live query.
 */

import type { ConflictRow, GridwalkDB, OutboxItem, PhotoRow, RecordRow } from "./schema";

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

/** One record by entity and id, deleted or not. */
export function getRecord(d: GridwalkDB, entity: string, id: string): Promise<RecordRow | undefined> {
  return d.records.get([entity, id]);
}

/** Records of one entity by id, in the order of `ids` (undefined where this phone has none). */
export function getRecords(d: GridwalkDB, entity: string, ids: readonly string[]): Promise<(RecordRow | undefined)[]> {
  return d.records.bulkGet(ids.map((id) => [entity, id] as [string, string]));
}

/** Every stored record of one entity, deleted ones included, in id order. */
export function recordsOf(d: GridwalkDB, entity: string): Promise<RecordRow[]> {
  return d.records.where("entity").equals(entity).toArray();
}

/** The ids of every stored record of one entity, deleted ones included, without reading the records. */
export async function recordIdsOf(d: GridwalkDB, entity: string): Promise<string[]> {
  const keys = await d.records.where("entity").equals(entity).primaryKeys();
  return keys.map(([, id]) => id);
}

/** How many mutations have not been answered yet (pending + rejected). */
export function outboxCount(d: GridwalkDB): Promise<number> {
  return d.outbox.count();
}

/** How many unanswered mutations are of these entities. */
export function outboxCountOf(d: GridwalkDB, entities: ReadonlySet<string>): Promise<number> {
  return d.outbox.filter((i) => entities.has(i.mutation.entity)).count();
}

/** Every unanswered mutation, oldest first. */
export function outboxItems(d: GridwalkDB): Promise<OutboxItem[]> {
  return d.outbox.orderBy("seq").toArray();
}

/** The unanswered mutations of these entities, oldest first. */
export function outboxItemsOf(d: GridwalkDB, entities: ReadonlySet<string>): Promise<OutboxItem[]> {
  return d.outbox
    .orderBy("seq")
    .filter((i) => entities.has(i.mutation.entity))
    .toArray();
}

/** The mutations of one record that the server refused and that wait for the user. */
export function rejectedItemsOf(d: GridwalkDB, entityId: string): Promise<OutboxItem[]> {
  return d.outbox
    .where("entity_id")
    .equals(entityId)
    .filter((i) => i.status === "rejected")
    .toArray();
}

/** A photo this phone holds (its preview, and its bytes until the server has them). */
export function getPhoto(d: GridwalkDB, sha: string): Promise<PhotoRow | undefined> {
  return d.photos.get(sha);
}

/** Photos whose bytes the server does not have yet. */
export function pendingPhotos(d: GridwalkDB): Promise<PhotoRow[]> {
  return d.photos.where("status").anyOf("local", "uploading").toArray();
}

/** The sync conflicts last fetched for the huddle. */
export function storedConflicts(d: GridwalkDB): Promise<ConflictRow[]> {
  return d.conflicts.toArray();
}
