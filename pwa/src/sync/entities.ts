/**
 * The synced entities, declared as data — the client's copy of sync/entities.py.
 *
 * Field kinds decide how a mutation's `data` is applied locally: scalars are
 * overwritten, sets take a list (add) or {add, remove}, and the state field only
 * moves through the named transitions.
 */

export type FieldKind = "scalar" | "set" | "state";
export type EntityName = "report" | "checkin" | "visit" | "ticket" | "notice" | "keep_apart" | "conflict";

export interface Transition {
  op: string;
  sources: readonly string[];
  target: string;
}

export interface StateMachine {
  field: string;
  initial: string;
  creatable: readonly string[];
  transitions: readonly Transition[];
}

export interface EntitySpec {
  name: EntityName;
  fields: Readonly<Record<string, FieldKind>>;
  stateMachine?: StateMachine;
  serverFields: readonly string[];
}

const t = (op: string, sources: string, target: string): Transition => ({
  op,
  sources: sources.split(" "),
  target,
});

export const REPORT_STATUS: StateMachine = {
  field: "status",
  initial: "open",
  creatable: ["open", "solved_on_site", "needs_handoff"],
  transitions: [
    t("solve", "open needs_handoff", "solved_on_site"),
    t("handoff", "open solved_on_site", "needs_handoff"),
    t("reopen", "solved_on_site needs_handoff closed", "open"),
    t("link_ticket", "open needs_handoff solved_on_site", "in_ticket"),
    t("unlink_ticket", "in_ticket", "needs_handoff"),
    t("close", "in_ticket solved_on_site", "closed"),
  ],
};

export const TICKET_STATUS: StateMachine = {
  field: "status",
  initial: "draft",
  creatable: ["draft"],
  transitions: [
    t("submit", "draft returned reopened", "submitted"),
    t("approve", "submitted", "approved"),
    t("return", "submitted approved resolved", "returned"),
    t("dispatch", "approved reopened", "dispatched"),
    t("acknowledge", "dispatched", "acknowledged"),
    t("resolve", "dispatched acknowledged", "resolved"),
    t("close", "approved resolved", "closed"),
    t("reopen", "resolved closed", "reopened"),
  ],
};

export const ENTITIES: Readonly<Record<EntityName, EntitySpec>> = {
  report: {
    name: "report",
    fields: {
      grid_id: "scalar",
      category: "scalar",
      subcategory: "scalar",
      description: "scalar",
      lat: "scalar",
      lon: "scalar",
      accuracy_m: "scalar",
      place: "scalar",
      severity: "scalar",
      device_time: "scalar",
      photos: "set",
      after_photos: "set",
      tags: "set",
      status: "state",
      reporter: "scalar",
      ticket_id: "scalar",
    },
    stateMachine: REPORT_STATUS,
    serverFields: ["reporter", "ticket_id"],
  },
  checkin: {
    name: "checkin",
    fields: {
      grid_id: "scalar",
      at: "scalar",
      lat: "scalar",
      lon: "scalar",
      accuracy_m: "scalar",
      checkpoint_id: "scalar",
      note: "scalar",
      photos: "set",
      user: "scalar",
      distance_m: "scalar",
      flags: "set",
    },
    serverFields: ["user", "distance_m", "flags"],
  },
  visit: {
    name: "visit",
    fields: {
      grid_id: "scalar",
      visited_at: "scalar",
      place_kind: "scalar",
      place: "scalar",
      people_met: "scalar",
      contact_name: "scalar",
      contact_phone: "scalar",
      needs: "scalar",
      notes: "scalar",
      follow_up: "scalar",
      photos: "set",
      visitor: "scalar",
    },
    serverFields: ["visitor"],
  },
  ticket: {
    name: "ticket",
    fields: {
      grid_id: "scalar",
      title: "scalar",
      category: "scalar",
      severity: "scalar",
      report_ids: "set",
      level: "scalar",
      department: "scalar",
      status: "state",
      due_at: "scalar",
      ack_due_at: "scalar",
      reason: "scalar",
      resolution_note: "scalar",
      resolution_photos: "set",
      created_by: "scalar",
      dispatched_at: "scalar",
      done_at: "scalar",
      place: "scalar",
      photos: "set",
    },
    stateMachine: TICKET_STATUS,
    serverFields: ["due_at", "ack_due_at", "created_by", "level", "dispatched_at", "done_at"],
  },
  notice: {
    name: "notice",
    fields: {
      grid_id: "scalar",
      kind: "scalar",
      category: "scalar",
      for_day: "scalar",
      note: "scalar",
      created_by: "scalar",
    },
    serverFields: ["created_by"],
  },
  keep_apart: {
    name: "keep_apart",
    fields: {
      grid_id: "scalar",
      report_id: "scalar",
      apart_from: "set",
      created_by: "scalar",
    },
    serverFields: ["created_by"],
  },
  // Not a record on the server: resolving one is a mutation on it. The phone
  // keeps the answer it sent as a record, so the board knows it was handled.
  conflict: {
    name: "conflict",
    fields: { choice: "scalar", value: "scalar", note: "scalar" },
    serverFields: [],
  },
};

/** The spec of a synced entity, or undefined for an entity this client does not know. */
export function entitySpec(name: string): EntitySpec | undefined {
  return (ENTITIES as Record<string, EntitySpec>)[name];
}

/** The transition an op performs on an entity's state field, if it is one. */
export function transitionFor(entity: string, op: string): Transition | undefined {
  return entitySpec(entity)?.stateMachine?.transitions.find((tr) => tr.op === op);
}
