/**
 * What the server answered when someone else acted first.
 *
 * A conflict answer takes a mutation out of the outbox (the server keeps the
 * losing value), so without this a supervisor whose "approve" lost to a
 * colleague's "return" would see the ticket change and never learn why. The
 * last answers are kept per record until the user has read them.
 */

import { META, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB, OutboxItem } from "../db/schema";
import type { PushResult } from "./mutation";

export interface Outcome {
  mutationId: string;
  entity: string;
  entityId: string;
  op: string;
  /** When the answer came (ISO). */
  at: string;
  /** The server's conflict record: what lost, who wrote it. */
  conflict: unknown;
}

export const KEEP_OUTCOMES = 50;

/** Keeps the conflict answers of a pushed batch. */
export async function noteOutcomes(d: GridwalkDB, sent: readonly OutboxItem[], results: readonly PushResult[], at = new Date().toISOString()): Promise<void> {
  const byId = new Map(sent.map((i) => [i.id, i.mutation]));
  const fresh: Outcome[] = [];
  for (const r of results) {
    const m = byId.get(r.id);
    if (!m || r.status !== "conflict") continue;
    fresh.push({ mutationId: m.id, entity: m.entity, entityId: m.entity_id, op: m.op, at, conflict: r.conflict ?? null });
  }
  if (!fresh.length) return;
  const kept = (await getMeta<Outcome[]>(d, META.outcomes)) ?? [];
  const ids = new Set(fresh.map((o) => o.mutationId));
  await setMeta(d, META.outcomes, [...fresh, ...kept.filter((o) => !ids.has(o.mutationId))].slice(0, KEEP_OUTCOMES));
}

/** The kept answers about one record, newest first. */
export async function outcomesFor(d: GridwalkDB, entityId: string): Promise<Outcome[]> {
  return ((await getMeta<Outcome[]>(d, META.outcomes)) ?? []).filter((o) => o.entityId === entityId);
}

/** Forgets an answer the user has read. */
export async function dismissOutcome(d: GridwalkDB, mutationId: string): Promise<void> {
  const kept = (await getMeta<Outcome[]>(d, META.outcomes)) ?? [];
  await setMeta(d, META.outcomes, kept.filter((o) => o.mutationId !== mutationId));
}
