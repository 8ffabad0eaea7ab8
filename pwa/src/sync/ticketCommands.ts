/**
 * What desks and the grid do to a handoff ticket after the huddle, each a
 * mutation in the outbox carrying the version this device holds (the version
 * the screen showed): approve, return, dispatch, escalate (supervisor);
 * acknowledge, resolve, send back (department); verify, close, resubmit
 * (grid). Parameters are written as the ticket's own fields (resolution_note,
 * verification_photos …), so the screen's view before the server answers is
 * the ticket as it will be.
 */

import type { GridwalkDB } from "../db/schema";
import { TICKET_STATUS, mayDo } from "./entities";
import type { JsonObject } from "./mutation";
import { enqueue } from "./outbox";

export type TicketOp =
  | "submit"
  | "approve"
  | "return"
  | "dispatch"
  | "escalate"
  | "acknowledge"
  | "resolve"
  | "send_back"
  | "verify"
  | "close"
  | "reopen";

/** Ops whose reason or note must not be empty (the server refuses them without). */
export const NEEDS_REASON: ReadonlySet<TicketOp> = new Set(["return", "send_back", "reopen"]);

const LEVELS = ["grid", "community", "street", "district"];

/** Whether a user of `role` is offered `op` on a ticket in this state (role table and state machine). */
export function offered(role: string, op: TicketOp, ticket: JsonObject): boolean {
  if (!mayDo(role, "ticket", op)) return false;
  const status = String(ticket.status ?? TICKET_STATUS.initial);
  if (op === "escalate") {
    const next = LEVELS[LEVELS.indexOf(String(ticket.level ?? "grid")) + 1];
    if (!next || status === "closed" || status === TICKET_STATUS.initial) return false;
    // A team lead escalates to the community only; the street takes it further.
    return role !== "lead" || next === "community";
  }
  return TICKET_STATUS.transitions.some((tr) => tr.op === op && tr.sources.includes(status));
}

/** Does one op on one ticket. */
export async function ticketOp(d: GridwalkDB, node: string, id: string, op: TicketOp, data: JsonObject = {}): Promise<void> {
  await enqueue(d, node, { entity: "ticket", entity_id: id, op, data });
}

/** Approves tickets, one mutation each. */
export async function approveTickets(d: GridwalkDB, node: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) await ticketOp(d, node, id, "approve");
}

/**
 * Dispatches tickets, each to its department; a ticket still waiting for
 * approval is approved first (two mutations, in order, from this device).
 */
export async function dispatchTickets(
  d: GridwalkDB,
  node: string,
  choices: readonly { id: string; department: number; approveFirst: boolean }[],
): Promise<void> {
  for (const c of choices) {
    if (c.approveFirst) await ticketOp(d, node, c.id, "approve");
    await ticketOp(d, node, c.id, "dispatch", { department: c.department });
  }
}

/** Returns a ticket to the grid with the reason (required). */
export function returnTicket(d: GridwalkDB, node: string, id: string, reason: string): Promise<void> {
  return ticketOp(d, node, id, "return", { reason: reason.trim() });
}

/** A department sends a ticket that is not its job back to the supervisor, with the reason (退回改派). */
export function sendBack(d: GridwalkDB, node: string, id: string, reason: string): Promise<void> {
  return ticketOp(d, node, id, "send_back", { reason: reason.trim() });
}

/** A department reports the fix, with its note and after-photos. */
export function resolveTicket(d: GridwalkDB, node: string, id: string, note: string, photos: readonly string[]): Promise<void> {
  return ticketOp(d, node, id, "resolve", { resolution_note: note.trim(), resolution_photos: [...photos] });
}

/** A patroller or the lead checks the fix on site: fixed, or not (rework, 返工). */
export function verifyTicket(d: GridwalkDB, node: string, id: string, fixed: boolean, note: string, photos: readonly string[]): Promise<void> {
  return ticketOp(d, node, id, "verify", { fixed, verification_note: note.trim(), verification_photos: [...photos] });
}

/** The lead corrects a returned ticket before sending it again. */
export async function editTicket(d: GridwalkDB, node: string, id: string, changes: JsonObject): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await enqueue(d, node, { entity: "ticket", entity_id: id, op: "update", data: changes });
}
