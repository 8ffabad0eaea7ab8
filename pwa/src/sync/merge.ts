/**
 * How local mutations lay over server state — pure functions.
 *
 * The screen shows `merge(serverState, pendingMutations)`, so a record never
 * flips back when a pull brings an older server version while our own edits are
 * still in the outbox. The server's merge (sync/) is authoritative; this is the
 * optimistic view of what it will do with our mutations.
 */

import { entitySpec, transitionFor } from "./entities";
import type { JsonObject, Mutation, SetPatch } from "./mutation";

export interface EntityState {
  data: JsonObject;
  deleted: boolean;
}

/** Applies a set patch (list = add; {add, remove}; add wins over remove). */
export function applySetPatch(current: unknown, patch: unknown): string[] {
  const base = Array.isArray(current) ? current.map(String) : [];
  const result = new Set(base);
  const p = patch as SetPatch;
  if (Array.isArray(p)) {
    for (const v of p) result.add(String(v));
  } else if (p && typeof p === "object") {
    for (const v of p.remove ?? []) result.delete(String(v));
    for (const v of p.add ?? []) result.add(String(v));
  }
  return [...result];
}

function applyFields(entity: string, data: JsonObject, patch: JsonObject): JsonObject {
  const spec = entitySpec(entity);
  const out: JsonObject = { ...data };
  for (const [field, value] of Object.entries(patch)) {
    const kind = spec?.fields[field];
    if (kind === "set") out[field] = applySetPatch(out[field], value);
    else if (kind !== "param") out[field] = value; // an op's parameter is not stored
  }
  return out;
}

/** The state of one record after applying one mutation to it. */
export function applyMutation(state: EntityState | null, m: Mutation): EntityState {
  const data = state?.data ?? {};
  const deleted = state?.deleted ?? false;
  const spec = entitySpec(m.entity);
  switch (m.op) {
    case "create": {
      const created = applyFields(m.entity, data, m.data);
      const sm = spec?.stateMachine;
      if (sm && created[sm.field] == null) created[sm.field] = sm.initial;
      return { data: created, deleted: false };
    }
    case "update":
      return { data: applyFields(m.entity, data, m.data), deleted };
    case "delete":
      return { data, deleted: true };
    default: {
      const next = applyFields(m.entity, data, m.data);
      const tr = transitionFor(m.entity, m.op, m.data);
      // Show the target even if the transition looks invalid here: the server
      // decides, and an invalid one comes back as a conflict, not a silent drop.
      if (tr && spec?.stateMachine) next[spec.stateMachine.field] = tr.target;
      return { data: next, deleted };
    }
  }
}

/**
 * The record as the user should see it: the server's state with every mutation
 * not yet answered laid over it, in the order they were made.
 */
export function mergePending(server: EntityState | null, pending: readonly Mutation[]): EntityState | null {
  let state = server;
  for (const m of pending) state = applyMutation(state, m);
  return state;
}
