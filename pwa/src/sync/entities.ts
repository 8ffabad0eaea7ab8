/**
 * The synced entities, declared as data: read from entities.json, which
 * `python -m server.spec_document` writes from sync/entities.py and the
 * server's role table (a test fails when it is stale).
 *
 * Field kinds decide how a mutation's `data` is applied locally: scalars are
 * overwritten, sets take a list (add) or {add, remove}, and the state field only
 * moves through the named transitions.
 */

import spec from "./entities.json";

export type FieldKind = "scalar" | "set" | "state" | "param";
export type EntityName = "report" | "checkin" | "visit" | "ticket" | "notice" | "keep_apart" | "conflict";

export interface Transition {
  op: string;
  sources: readonly string[];
  target: string;
  /** Taken only when the op carries this value (a verify that found the fix failing). */
  when?: { field: string; value: unknown };
}

export interface StateMachine {
  field: string;
  initial: string;
  creatable: readonly string[];
  done: readonly string[];
  transitions: readonly Transition[];
}

export interface EntitySpec {
  name: EntityName;
  fields: Readonly<Record<string, FieldKind>>;
  stateMachine?: StateMachine;
  serverFields: readonly string[];
}

/** The shape of entities.json, written by `python -m server.spec_document`. */
interface SpecDocument {
  recordEntities: string[];
  entities: Record<
    string,
    {
      fields: Record<string, FieldKind>;
      serverFields: string[];
      opFields: Record<string, string[]>;
      ops: string[];
      stateMachine?: StateMachine;
    }
  >;
  roles: Record<string, Record<string, string[]>>;
}

const SPEC = spec as SpecDocument;

function recordSpec(name: EntityName): EntitySpec {
  const e = SPEC.entities[name];
  return { name, fields: e.fields, stateMachine: e.stateMachine, serverFields: e.serverFields };
}

export const REPORT_STATUS: StateMachine = SPEC.entities.report.stateMachine!;
export const TICKET_STATUS: StateMachine = SPEC.entities.ticket.stateMachine!;

export const ENTITIES: Readonly<Record<EntityName, EntitySpec>> = {
  report: recordSpec("report"),
  checkin: recordSpec("checkin"),
  visit: recordSpec("visit"),
  ticket: recordSpec("ticket"),
  notice: recordSpec("notice"),
  keep_apart: recordSpec("keep_apart"),
  // Not a record on the server: resolving one is a mutation on it. The phone
  // keeps the answer it sent as a record, so the board knows it was handled.
  conflict: recordSpec("conflict"),
};

/** Whether a user of `role` may do `op` on `entity` (the server's role table). */
export function mayDo(role: string, entity: string, op: string): boolean {
  return SPEC.roles[entity]?.[op]?.includes(role) ?? false;
}

/** The spec of a synced entity, or undefined for an entity this client does not know. */
export function entitySpec(name: string): EntitySpec | undefined {
  return (ENTITIES as Record<string, EntitySpec>)[name];
}

/** The transition an op carrying `data` performs on an entity's state field, if it is one. */
export function transitionFor(entity: string, op: string, data?: Record<string, unknown>): Transition | undefined {
  return entitySpec(entity)?.stateMachine?.transitions.find(
    (tr) => tr.op === op && (!tr.when || !data || data[tr.when.field] === tr.when.value),
  );
}
