/**
 * The huddle board as plain data — pure functions, unit-tested.
 *
 * The board is the server's huddle snapshot (suggested clusters, matches,
 * conflicts, compliance) with this tablet's records laid over it: a ticket
 * made here takes its reports out of their cluster at once, a split takes a
 * report out, a resolved conflict leaves the list — before any of it has
 * reached the server. The next snapshot, clustered by the server with the
 * same decisions, agrees.
 */

import { localDay } from "../../db/queries";
import type { RecordRow } from "../../db/schema";
import type { JsonObject } from "../../sync/mutation";
import type { Huddle, HuddleReport } from "../../sync/huddle";

export interface BoardReport {
  id: string;
  data: JsonObject;
  reporter: string;
  at: string;
  category: string;
  status: string;
  photos: string[];
  /** The ticket it is part of (on the server or in a ticket made here), else null. */
  ticketId: string | null;
  /** Local changes not yet answered by the server. */
  pending: number;
}

export interface BoardCluster {
  /** Stable while the board is open: the first of the server's report ids. */
  key: string;
  reportIds: string[];
  reasons: string[];
  kind: string;
  score: number;
  /** Reports the lead added to it here. */
  added: string[];
  /** The reports of `reportIds` and `added` that are on the day's list, earliest first. */
  members: BoardReport[];
}

export interface BoardMatch {
  report: BoardReport;
  ticketId: string;
  score: number;
  reasons: string[];
}

export interface LocalState {
  /** This tablet's copy of the snapshot's reports (pulled state with pending edits), by id. */
  reports: ReadonlyMap<string, RecordRow>;
  tickets: readonly RecordRow[];
  keepApart: readonly RecordRow[];
  /** Conflicts this tablet resolved (answered or still in the outbox). */
  resolvedConflicts: ReadonlySet<string>;
  /** Reports added to a cluster here, by cluster key. */
  added: Readonly<Record<string, readonly string[]>>;
}

export interface BoardView {
  reports: BoardReport[];
  byId: Map<string, BoardReport>;
  clusters: BoardCluster[];
  clustered: Set<string>;
  solvedOnSite: BoardReport[];
  /** Needs a handoff but is in no ticket yet. */
  flagged: BoardReport[];
  /** In no cluster and no ticket, not solved on site. */
  loose: BoardReport[];
  matches: BoardMatch[];
  conflicts: Record<string, unknown>[];
  /** The grid's tickets still in draft: what "submit" sends. */
  drafts: RecordRow[];
  /** Tickets holding some of the day's reports, already past draft. */
  sent: RecordRow[];
  /** Splits made for the day's reports (undoable). */
  splits: RecordRow[];
  /** Every ticket this tablet knows, by id (for the tickets reports match). */
  tickets: Map<string, RecordRow>;
}

const live = (rows: readonly RecordRow[]) => rows.filter((r) => !r.deleted);

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** A report as the board shows it: the local copy when there is one, else the snapshot's. */
function boardReport(
  snap: HuddleReport,
  local: RecordRow | undefined,
  ticketOf: Map<string, string>,
  previous: BoardReport | undefined,
): BoardReport {
  const data = local && !local.deleted ? local.data : snap.data;
  const ticket = (typeof data.ticket_id === "string" && data.ticket_id) || ticketOf.get(snap.id) || null;
  const pending = local?.pending ?? 0;
  // The same object when nothing changed, so the screens can skip what they drew already.
  if (previous && previous.ticketId === ticket && previous.pending === pending && sameJson(previous.data, data)) return previous;
  return {
    id: snap.id,
    data,
    reporter: typeof data.reporter === "string" ? data.reporter : "",
    at: typeof data.device_time === "string" ? data.device_time : snap.created_at,
    category: String(data.category ?? ""),
    status: String(data.status ?? "open"),
    photos: strings(data.photos),
    ticketId: ticket,
    pending,
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Whether two lists hold the same items (by identity), in order. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

const byTime = (a: BoardReport, b: BoardReport) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Report id → the ticket made of it, from the tickets this tablet knows (including ones not sent yet). */
export function ticketIndex(tickets: readonly RecordRow[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const t of live(tickets)) for (const rid of strings(t.data.report_ids)) index.set(rid, t.entity_id);
  return index;
}

/** The reports split out (report id → the reports it was split from), from the split records. */
export function splitIndex(keepApart: readonly RecordRow[]): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const k of live(keepApart)) {
    const rid = String(k.data.report_id ?? "");
    if (!rid) continue;
    const set = index.get(rid) ?? new Set<string>();
    for (const other of strings(k.data.apart_from)) set.add(other);
    index.set(rid, set);
  }
  return index;
}

/**
 * The board for one snapshot and this tablet's records. Given the `previous` board, reports and
 * clusters that did not change are the same objects as before (screens redraw only what changed).
 */
export function buildBoard(huddle: Huddle, local: LocalState, previous?: BoardView): BoardView {
  const ticketOf = ticketIndex(local.tickets);
  const reports = huddle.reports
    .filter((r) => !r.deleted && !local.reports.get(r.id)?.deleted)
    .map((r) => boardReport(r, local.reports.get(r.id), ticketOf, previous?.byId.get(r.id)))
    .sort(byTime);
  const byId = new Map(reports.map((r) => [r.id, r]));
  const apart = splitIndex(local.keepApart);
  const open = (id: string) => {
    const r = byId.get(id);
    // Reports of earlier days in a cluster are not in today's list: keep them, the server clustered them.
    return r === undefined || (!r.ticketId && r.status !== "closed");
  };

  const addedAnywhere = new Set(Object.values(local.added).flat());
  const before = new Map((previous?.clusters ?? []).map((c) => [c.key, c]));
  const clusters: BoardCluster[] = [];
  for (const c of huddle.clusters) {
    const key = [...c.report_ids].sort()[0] ?? "";
    const added = (local.added[key] ?? []).filter((id) => open(id) && !c.report_ids.includes(id));
    let members = c.report_ids.filter((id) => open(id) && !(addedAnywhere.has(id) && !(local.added[key] ?? []).includes(id)));
    // A split takes the report out of every cluster holding one it was split from.
    members = members.filter((id) => ![...(apart.get(id) ?? [])].some((other) => members.includes(other)));
    const all = [...members, ...added];
    if (all.length < 2) continue;
    const shown = all.map((id) => byId.get(id)).filter((r): r is BoardReport => !!r).sort(byTime);
    const old = before.get(key);
    if (old && sameItems(old.reportIds, members) && sameItems(old.added, added) && sameItems(old.members, shown) && sameItems(old.reasons, c.reasons)) {
      clusters.push(old);
    } else {
      clusters.push({ key, reportIds: members, reasons: c.reasons, kind: c.kind, score: c.score, added, members: shown });
    }
  }
  const clustered = new Set(clusters.flatMap((c) => [...c.reportIds, ...c.added]));

  const solvedOnSite = reports.filter((r) => r.status === "solved_on_site" && !r.ticketId);
  const flagged = reports.filter((r) => r.status === "needs_handoff" && !r.ticketId);
  const loose = reports.filter((r) => !r.ticketId && !clustered.has(r.id) && r.status !== "solved_on_site" && r.status !== "closed");

  const ticketIds = new Set(live(local.tickets).map((t) => t.entity_id));
  const matches: BoardMatch[] = [];
  for (const m of huddle.ticket_matches) {
    const r = byId.get(m.report_id);
    if (r && !r.ticketId && ticketIds.has(m.ticket_id)) matches.push({ report: r, ticketId: m.ticket_id, score: m.score, reasons: m.reasons });
  }

  const dayIds = new Set(reports.map((r) => r.id));
  const gridTickets = live(local.tickets).filter((t) => t.data.grid_id === huddle.grid.id || t.data.grid_id === undefined);
  const drafts = gridTickets.filter((t) => (t.data.status ?? "draft") === "draft");
  const sent = gridTickets.filter((t) => t.data.status !== "draft" && strings(t.data.report_ids).some((id) => dayIds.has(id)));
  const splits = live(local.keepApart).filter((k) => dayIds.has(String(k.data.report_id ?? "")));
  const conflicts = huddle.conflicts.filter((c) => !local.resolvedConflicts.has(String(c.id ?? "")));
  const tickets = new Map(live(local.tickets).map((t) => [t.entity_id, t]));
  return { reports, byId, clusters, clustered, solvedOnSite, flagged, loose, matches, conflicts, drafts, sent, splits, tickets };
}

export interface TicketPrefill {
  title: string;
  category: string;
  severity: 1 | 2 | 3;
  place: string;
  photos: string[];
}

/** The most common non-empty value, earliest first on a tie. */
function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = "";
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

/**
 * A handoff ticket pre-filled from its reports: the lead edits it before it is made.
 * The title is the earliest description, in the lead's language when one is (`preferText`).
 */
export function ticketPrefill(
  reports: readonly BoardReport[],
  categoryName: (code: string) => string,
  maxPhotos = 9,
  preferText: (text: string) => boolean = () => true,
): TicketPrefill {
  const category = mostCommon(reports.map((r) => r.category));
  const severities = reports.map((r) => Number(r.data.severity) || 1);
  const severity = Math.min(3, Math.max(1, ...severities)) as 1 | 2 | 3;
  const place = mostCommon(reports.map((r) => String(r.data.place ?? "")));
  const texts = [...reports].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).map((r) => String(r.data.description ?? "").trim()).filter(Boolean);
  const text = texts.find(preferText) ?? texts[0] ?? "";
  const title = (text ? text : [categoryName(category), place].filter(Boolean).join(" · ")).slice(0, 60);
  const photos = [...new Set(reports.flatMap((r) => r.photos))].slice(0, maxPhotos);
  return { title: title || categoryName(category), category, severity, place, photos };
}

/** Reports added to clusters at this huddle are a draft of the board, kept per day in `meta` (the board is the lead's own grid). */
export const draftKey = (date: string) => `huddle-draft:mine:${date}`;

/** A reason code split into its name and value ("distance_m=18" → ["distance_m", "18"]). */
export function parseReason(reason: string): [string, string | undefined] {
  const at = reason.indexOf("=");
  return at < 0 ? [reason, undefined] : [reason.slice(0, at), reason.slice(at + 1)];
}

/** The day after an ISO date (YYYY-MM-DD), for a notice that is tomorrow's round. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Today's date (YYYY-MM-DD) in the tablet's time zone. */
export function localToday(now = new Date()): string {
  return localDay(now);
}
