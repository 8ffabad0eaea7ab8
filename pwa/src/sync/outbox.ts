/**
 * The outbox: every change the user makes, as a mutation waiting for the server.
 *
 * Writing a record is one Dexie transaction that adds the mutation and updates
 * the record's view, so a save never waits on the network and a killed tab
 * loses nothing. An item leaves the outbox only when the server has answered
 * for it; sending it again is safe because the server dedupes by mutation id.
 */

import type { GridwalkDB, OutboxItem, RecordRow } from "../db/schema";
import { META } from "../db/meta";
import { loadClock, saveClock } from "./clock";
import { mergePending, type EntityState } from "./merge";
import { uuid, type Change, type JsonObject, type Mutation, type PushResult } from "./mutation";

const SORT_FIELD: Record<string, string> = {
  report: "device_time",
  checkin: "at",
  visit: "visited_at",
  ticket: "created_at",
  notice: "for_day",
};

/** The ISO time a record is listed by. */
export function sortKey(entity: string, data: JsonObject): string {
  const v = data[SORT_FIELD[entity] ?? ""];
  return typeof v === "string" ? v : "";
}

/** Pending and rejected mutations of one record, in the order they were made. */
async function outstanding(d: GridwalkDB, entityId: string): Promise<OutboxItem[]> {
  const items = await d.outbox.where("entity_id").equals(entityId).toArray();
  return items.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

/** Recomputes a record's view from its server state and outstanding mutations. */
export async function refreshRecord(
  d: GridwalkDB,
  entity: string,
  entityId: string,
  update: Partial<RecordRow> = {},
): Promise<void> {
  const existing = await d.records.get([entity, entityId]);
  const items = (await outstanding(d, entityId)).filter((i) => i.mutation.entity === entity);
  const row: RecordRow = {
    entity,
    entity_id: entityId,
    version: null,
    pulledVersion: null,
    server: null,
    data: {},
    deleted: false,
    pending: 0,
    rejected: false,
    sortAt: "",
    ...existing,
    ...update,
  };
  const view: EntityState | null = mergePending(
    row.server,
    items.map((i) => i.mutation),
  );
  if (!view) {
    // Nothing on the server and nothing outstanding: a create that was discarded.
    await d.records.delete([entity, entityId]);
    return;
  }
  row.data = view.data;
  row.deleted = view.deleted;
  row.pending = items.length;
  row.rejected = items.some((i) => i.status === "rejected");
  row.sortAt = sortKey(entity, row.data);
  await d.records.put(row);
}

export interface NewMutation {
  entity: string;
  entity_id: string;
  op: string;
  data?: JsonObject;
}

/**
 * Records a change locally: stamps it with the HLC, appends it to the outbox
 * and updates the record's view, all in one transaction.
 */
export async function enqueue(
  d: GridwalkDB,
  node: string,
  change: NewMutation,
  clock: () => number = Date.now,
): Promise<Mutation> {
  return d.transaction("rw", d.records, d.outbox, d.meta, async () => {
    const hlc = await loadClock(d, node, clock);
    const stampValue = hlc.send();
    await saveClock(d, hlc);
    const rec = await d.records.get([change.entity, change.entity_id]);
    const mutation: Mutation = {
      id: uuid(),
      entity: change.entity,
      entity_id: change.entity_id,
      op: change.op,
      hlc: stampValue,
      base_version: change.op === "create" ? null : (rec?.version ?? null),
      data: change.data ?? {},
    };
    await d.outbox.add({
      id: mutation.id,
      entity_id: mutation.entity_id,
      mutation,
      status: "pending",
      attempts: 0,
      createdAt: new Date(clock()).toISOString(),
    });
    await refreshRecord(d, change.entity, change.entity_id);
    return mutation;
  });
}

/** The next mutations to push: pending ones, oldest first. */
export async function nextBatch(d: GridwalkDB, limit: number): Promise<OutboxItem[]> {
  const items = await d.outbox.orderBy("seq").filter((i) => i.status === "pending").limit(limit).toArray();
  return items;
}

/** Marks a batch as sent (attempt counter), before the network call. */
export async function markAttempt(d: GridwalkDB, items: OutboxItem[], at: string): Promise<void> {
  await d.transaction("rw", d.outbox, async () => {
    for (const item of items) {
      await d.outbox.update(item.seq!, { attempts: item.attempts + 1, lastAttemptAt: at });
    }
  });
}

/** Records a failed send (network, server error) on the batch; the items stay pending. */
export async function markFailure(d: GridwalkDB, items: OutboxItem[], error: { code: string; message: string }): Promise<void> {
  await d.transaction("rw", d.outbox, async () => {
    for (const item of items) await d.outbox.update(item.seq!, { lastError: error });
  });
}

export interface SettleSummary {
  applied: number;
  duplicate: number;
  conflict: number;
  rejected: number;
  unanswered: number;
}

/**
 * Takes the server's answers for a push. Applied, duplicate and conflict
 * answers remove the item (the server has it; a conflict keeps the losing value
 * server-side for the huddle). A rejected item stays, marked, until the user
 * retries or discards it. An item the server did not answer for stays pending.
 */
export async function settle(d: GridwalkDB, sent: OutboxItem[], results: PushResult[]): Promise<SettleSummary> {
  const summary: SettleSummary = { applied: 0, duplicate: 0, conflict: 0, rejected: 0, unanswered: 0 };
  const byId = new Map(results.map((r) => [r.id, r]));
  await d.transaction("rw", d.records, d.outbox, async () => {
    const touched = new Map<string, { entity: string; id: string; version?: number; answered: Mutation[] }>();
    for (const item of sent) {
      const result = byId.get(item.id);
      if (!result) {
        summary.unanswered++;
        continue;
      }
      summary[result.status]++;
      const m = item.mutation;
      const key = `${m.entity}\u0000${m.entity_id}`;
      const prev = touched.get(key);
      const version = Math.max(prev?.version ?? 0, result.version ?? 0) || undefined;
      const answered = prev?.answered ?? [];
      if (result.status !== "rejected") answered.push(m);
      touched.set(key, { entity: m.entity, id: m.entity_id, version, answered });
      if (result.status === "rejected") {
        await d.outbox.update(item.seq!, {
          status: "rejected",
          lastError: result.error ?? { code: "rejected", message: "" },
        });
      } else {
        await d.outbox.delete(item.seq!);
      }
    }
    for (const { entity, id, version, answered } of touched.values()) {
      const rec = await d.records.get([entity, id]);
      const update: Partial<RecordRow> = {};
      if (version && version > (rec?.version ?? 0)) update.version = version;
      // Until the next pull brings the server's own state, what it accepted
      // from us is our best guess of it; without this the record would vanish
      // (or flip back) between push and pull.
      if (answered.length) update.server = mergePending(rec?.server ?? null, answered);
      await refreshRecord(d, entity, id, update);
    }
  });
  return summary;
}

/**
 * Applies pulled changes and the new cursor in one transaction. Each record's
 * view is the pulled state with our outstanding mutations laid over it, so the
 * screen never flips back to a state older than what the user did.
 */
export async function applyPulled(d: GridwalkDB, changes: Change[], cursor: string): Promise<void> {
  await d.transaction("rw", d.records, d.outbox, d.meta, async () => {
    for (const ch of changes) {
      const rec = await d.records.get([ch.entity, ch.entity_id]);
      if (rec?.pulledVersion != null && ch.version < rec.pulledVersion) continue;
      await refreshRecord(d, ch.entity, ch.entity_id, {
        server: { data: ch.data ?? {}, deleted: ch.deleted },
        pulledVersion: ch.version,
        version: Math.max(ch.version, rec?.version ?? 0),
      });
    }
    await d.meta.put({ key: META.cursor, value: cursor });
  });
}

/** Puts a rejected item back in line as a new mutation (new id and stamp), keeping its place. */
export async function retryRejected(d: GridwalkDB, node: string, seq: number, clock: () => number = Date.now): Promise<void> {
  await d.transaction("rw", d.records, d.outbox, d.meta, async () => {
    const item = await d.outbox.get(seq);
    if (!item || item.status !== "rejected") return;
    const hlc = await loadClock(d, node, clock);
    const mutation: Mutation = { ...item.mutation, id: uuid(), hlc: hlc.send() };
    await saveClock(d, hlc);
    await d.outbox.update(seq, { id: mutation.id, mutation, status: "pending", lastError: undefined, attempts: 0 });
    await refreshRecord(d, mutation.entity, mutation.entity_id);
  });
}

/** Drops a rejected item at the user's request; the record falls back to the server's state. */
export async function discardRejected(d: GridwalkDB, seq: number): Promise<void> {
  await d.transaction("rw", d.records, d.outbox, async () => {
    const item = await d.outbox.get(seq);
    if (!item || item.status !== "rejected") return;
    await d.outbox.delete(seq);
    await refreshRecord(d, item.mutation.entity, item.mutation.entity_id);
  });
}
