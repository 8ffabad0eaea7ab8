/**
 * The desk screens as plain data — pure functions, unit-tested: which tickets
 * a queue, a board or an inbox shows, in what order, how much time each has
 * left by the server's supervision clock, which department to suggest.
 */

import type { RecordRow } from "../../db/schema";
import type { TicketItem, TicketSnapshot } from "../../sync/desk";
import type { JsonObject } from "../../sync/mutation";
import type { Department } from "../../sync/reference";

export type Colour = "red" | "orange" | "yellow" | "green";
export const COLOURS: readonly Colour[] = ["red", "orange", "yellow", "green"];
const COLOUR_RANK: Record<string, number> = { red: 0, orange: 1, yellow: 2, green: 3 };

/** A ticket as the desk shows it: this device's view of it with the server's colour and times. */
export interface DeskTicket {
  id: string;
  data: JsonObject;
  /** The version an action would carry (this device's). */
  version: number | null;
  pending: number;
  rejected: boolean;
  colour: Colour | null;
  createdAt: string;
  gridId: number | null;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * The tickets to show: every ticket this device holds (with its unanswered
 * actions laid over), coloured by the last list the server sent; tickets the
 * list has and this device does not are shown as the server sent them.
 */
export function deskTickets(snapshot: TicketSnapshot | undefined, records: readonly RecordRow[]): DeskTicket[] {
  const served = new Map<string, TicketItem>((snapshot?.items ?? []).map((i) => [i.id, i]));
  const out: DeskTicket[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    if (r.entity !== "ticket") continue;
    // A ticket deleted here stays gone even while an older list still has it.
    seen.add(r.entity_id);
    if (r.deleted) continue;
    const item = served.get(r.entity_id);
    out.push({
      id: r.entity_id,
      data: r.data,
      version: r.version,
      pending: r.pending,
      rejected: r.rejected,
      colour: (item?.color as Colour | null | undefined) ?? null,
      createdAt: item?.created_at ?? "",
      gridId: typeof r.data.grid_id === "number" ? r.data.grid_id : (item?.grid_id ?? null),
    });
  }
  for (const item of served.values()) {
    if (seen.has(item.id)) continue;
    out.push({
      id: item.id,
      data: item,
      version: item.version,
      pending: 0,
      rejected: false,
      colour: item.color,
      createdAt: item.created_at,
      gridId: item.grid_id,
    });
  }
  return out;
}

/** The supervision time now: the server's time at the answer plus what passed here since. */
export function serverNow(snapshot: { serverNow: string; fetchedAt: string } | undefined, clientNow: number): number {
  if (!snapshot) return clientNow;
  const server = Date.parse(snapshot.serverNow);
  const fetched = Date.parse(snapshot.fetchedAt);
  if (Number.isNaN(server) || Number.isNaN(fetched)) return clientNow;
  return server + Math.max(0, clientNow - fetched);
}

/** Milliseconds until `deadline` (negative: overdue), or null without one. */
export function msLeft(deadline: unknown, now: number): number | null {
  const at = Date.parse(str(deadline));
  return Number.isNaN(at) ? null : at - now;
}

/** States in which the work is finished: the time left no longer counts. */
export const DONE = new Set(["resolved", "verified", "closed"]);
/** States that are the supervisor's to act on, in the queue's order. */
export const QUEUE_STATES = ["submitted", "approved", "sent_back"] as const;
/** States a department works on. */
export const INBOX_STATES = new Set(["dispatched", "acknowledged", "reopened"]);

const byCreated = (a: DeskTicket, b: DeskTicket) => (a.createdAt || "").localeCompare(b.createdAt || "") || a.id.localeCompare(b.id);

/** The approval queue: by state, oldest first within each. */
export function queue(tickets: readonly DeskTicket[]): Record<(typeof QUEUE_STATES)[number], DeskTicket[]> {
  const out = { submitted: [] as DeskTicket[], approved: [] as DeskTicket[], sent_back: [] as DeskTicket[] };
  for (const t of tickets) {
    const s = str(t.data.status) as (typeof QUEUE_STATES)[number];
    if (s in out) out[s].push(t);
  }
  for (const list of Object.values(out)) list.sort(byCreated);
  return out;
}

export interface BoardFilter {
  grid?: number;
  category?: string;
  colour?: string;
  status?: string;
  department?: number;
  text?: string;
  /** Closed tickets too (the board shows the open ones by default). */
  closed?: boolean;
}

/** The tickets a board filter keeps (drafts are the grid's, never on the board). */
export function filterTickets(tickets: readonly DeskTicket[], f: BoardFilter): DeskTicket[] {
  const text = (f.text ?? "").trim().toLowerCase();
  return tickets.filter((t) => {
    const d = t.data;
    const status = str(d.status) || "draft";
    if (status === "draft") return false;
    if (status === "closed" && !f.closed && f.status !== "closed") return false;
    if (f.grid !== undefined && t.gridId !== f.grid) return false;
    if (f.category && d.category !== f.category) return false;
    if (f.colour && t.colour !== f.colour) return false;
    if (f.status && status !== f.status) return false;
    if (f.department !== undefined && d.department !== f.department) return false;
    if (text) {
      const hay = [str(d.title), str(d.place), t.id].join(" ").toLowerCase();
      if (!hay.includes(text)) return false;
    }
    return true;
  });
}

export type SortKey = "urgency" | "due" | "created" | "grid";

const dueOf = (t: DeskTicket) => str(t.data.due_at) || "\uffff";
const rankOf = (t: DeskTicket) => (DONE.has(str(t.data.status)) ? 5 : (COLOUR_RANK[t.colour ?? ""] ?? 4));

/** Sorted for the board; by urgency, red first and the nearest deadline first within a colour. */
export function sortTickets(tickets: readonly DeskTicket[], key: SortKey): DeskTicket[] {
  const list = [...tickets];
  const tie = (a: DeskTicket, b: DeskTicket) => dueOf(a).localeCompare(dueOf(b)) || a.id.localeCompare(b.id);
  if (key === "urgency") list.sort((a, b) => rankOf(a) - rankOf(b) || tie(a, b));
  else if (key === "due") list.sort(tie);
  else if (key === "created") list.sort((a, b) => (b.createdAt || "").localeCompare(a.createdAt || "") || a.id.localeCompare(b.id));
  else list.sort((a, b) => (a.gridId ?? 0) - (b.gridId ?? 0) || rankOf(a) - rankOf(b) || tie(a, b));
  return list;
}

/** The deadline a department works to now: reporting in until acknowledged, then the fix. */
export function inboxDeadline(t: DeskTicket): string {
  return str(t.data.status) === "dispatched" ? str(t.data.ack_due_at) || str(t.data.due_at) : str(t.data.due_at);
}

/** A department's inbox: what it must do, nearest deadline (then reddest) first; and what waits for the grid's check. */
export function inbox(tickets: readonly DeskTicket[], departmentId: number | null | undefined): { todo: DeskTicket[]; done: DeskTicket[] } {
  const mine = tickets.filter((t) => departmentId == null || t.data.department === departmentId);
  const todo = mine
    .filter((t) => INBOX_STATES.has(str(t.data.status)))
    .sort((a, b) => (inboxDeadline(a) || "\uffff").localeCompare(inboxDeadline(b) || "\uffff") || rankOf(a) - rankOf(b) || a.id.localeCompare(b.id));
  const done = mine.filter((t) => str(t.data.status) === "resolved").sort(byCreated);
  return { todo, done };
}

/** The department whose categories cover the ticket's, the first such in the list. */
export function suggestDepartment(departments: readonly Department[], category: unknown): Department | undefined {
  return departments.find((d) => d.categories.includes(str(category)));
}

/** Count of tickets per colour among open ones. */
export function colourCounts(tickets: readonly DeskTicket[]): Record<Colour, number> {
  const out: Record<Colour, number> = { red: 0, orange: 0, yellow: 0, green: 0 };
  for (const t of tickets) if (t.colour && !DONE.has(str(t.data.status)) && str(t.data.status) !== "closed") out[t.colour]++;
  return out;
}

/** The number people read off a ticket: the first eight characters of its id, upper case. */
export function ticketNumber(id: string): string {
  return id.replace(/-/g, "").slice(0, 8).toUpperCase();
}
