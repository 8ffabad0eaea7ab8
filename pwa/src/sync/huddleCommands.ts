/**
 * What the team lead does at the huddle, each as a mutation in the outbox
 * (ticket create/update/submit, conflict resolve, a split, a team notice):
 * a tablet that loses Wi-Fi mid-huddle loses nothing and shows what is pending.
 */

import type { GridwalkDB } from "../db/schema";
import { compact } from "./commands";
import { uuid } from "./mutation";
import { enqueue } from "./outbox";

export interface TicketDraft {
  grid_id: number;
  title: string;
  category: string;
  severity: 1 | 2 | 3;
  place?: string | null;
  photos: string[];
  report_ids: string[];
}

/** A handoff ticket (问题交接单) made from reports; the server links them to it. */
export async function createTicket(d: GridwalkDB, node: string, draft: TicketDraft): Promise<string> {
  const id = uuid();
  await enqueue(d, node, { entity: "ticket", entity_id: id, op: "create", data: compact({ ...draft }) });
  return id;
}

/** Adds reports to an existing ticket (a report that matches an open one). */
export async function addReportsToTicket(d: GridwalkDB, node: string, ticketId: string, reportIds: string[]): Promise<void> {
  if (reportIds.length === 0) return;
  await enqueue(d, node, { entity: "ticket", entity_id: ticketId, op: "update", data: { report_ids: reportIds } });
}

/** Submits tickets to the street supervisor, one mutation each, in one step. */
export async function submitTickets(d: GridwalkDB, node: string, ticketIds: string[]): Promise<void> {
  for (const id of ticketIds) await enqueue(d, node, { entity: "ticket", entity_id: id, op: "submit" });
}

export type ConflictChoice = "kept" | "losing" | "value";

/** Resolves a conflict: keep the current value, take the one that lost, or set a new one. */
export async function resolveConflict(
  d: GridwalkDB,
  node: string,
  conflictId: string,
  choice: ConflictChoice,
  value?: unknown,
): Promise<void> {
  const data: Record<string, unknown> = { choice };
  if (choice === "value") data.value = value ?? null;
  await enqueue(d, node, { entity: "conflict", entity_id: conflictId, op: "resolve", data });
}

/** Splits a report out of a suggested cluster: never the same problem as `others`. */
export async function keepApart(d: GridwalkDB, node: string, gridId: number, reportId: string, others: string[]): Promise<string> {
  const id = uuid();
  await enqueue(d, node, {
    entity: "keep_apart",
    entity_id: id,
    op: "create",
    data: { grid_id: gridId, report_id: reportId, apart_from: others },
  });
  return id;
}

/** Undoes a split. */
export async function undoKeepApart(d: GridwalkDB, node: string, id: string): Promise<void> {
  await enqueue(d, node, { entity: "keep_apart", entity_id: id, op: "delete" });
}

/** Puts a recurring problem on every member's Today for `forDay` (专项排查). */
export async function postNotice(
  d: GridwalkDB,
  node: string,
  notice: { grid_id: number; category: string; for_day: string; note?: string },
): Promise<string> {
  const id = uuid();
  await enqueue(d, node, { entity: "notice", entity_id: id, op: "create", data: compact({ kind: "focus_check", ...notice }) });
  return id;
}

/** Withdraws a team notice. */
export async function withdrawNotice(d: GridwalkDB, node: string, id: string): Promise<void> {
  await enqueue(d, node, { entity: "notice", entity_id: id, op: "delete" });
}
