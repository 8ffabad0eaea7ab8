/**
 * The desk screens' data: the tickets the caller may see (GET /api/tickets,
 * with the server's colours and supervision time), each ticket's dossier
 * (GET /api/tickets/<id>/dossier) and the grids by name. Kept in IndexedDB so
 * the screens open from cache and say how old it is; only this module fetches
 * them. Tickets in these answers are also written into the records table when
 * newer than what was pulled, so a screen's action carries the version the
 * screen showed; tickets that left the caller's sight (a department that sent
 * one back) leave the records table too.
 */

import { DESK_PREFIX, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import type { ApiClient } from "./api";
import { withSyncLock } from "./lock";
import type { JsonObject } from "./mutation";
import { refreshRecord } from "./outbox";

/** A ticket as GET /api/tickets answers it: its data plus what the server adds. */
export interface TicketItem extends JsonObject {
  id: string;
  grid_id: number;
  version: number;
  department_id: number | null;
  created_at: string;
  updated_at: string;
  color: "green" | "yellow" | "orange" | "red" | null;
}

export interface TicketSnapshot {
  /** When this device received it (ISO). */
  fetchedAt: string;
  /** The server's supervision time when it answered: time left counts from here. */
  serverNow: string;
  items: TicketItem[];
}

export interface HistoryEntry {
  at: string;
  actor: string;
  action: string;
  data: JsonObject;
  /** "conflict" for an op that lost to someone else's (it changed nothing). */
  status?: string | null;
}

export interface DossierReport {
  id: string;
  grid_id: number | null;
  version: number;
  created_at: string;
  data: JsonObject;
}

export interface Dossier {
  ticket: TicketItem;
  now: string;
  reports: DossierReport[];
  reasons: string[];
  history: HistoryEntry[];
  people: Record<string, string>;
  grid: { id: number; code: string; name: string; community: string; boundary: { type: string; coordinates: number[][][] } | null; center: [number, number] | null } | null;
  department: { id: number; code: string; name: string; name_en: string } | null;
}

export interface DossierSnapshot {
  fetchedAt: string;
  dossier: Dossier;
}

export interface GridName {
  id: number;
  code: string;
  name: string;
  kind: string;
  street_id: number;
  community: string;
  center_lat: number | null;
  center_lon: number | null;
}

export const TICKETS_KEY = `${DESK_PREFIX}tickets`;
export const GRIDS_KEY = `${DESK_PREFIX}grids`;
const DOSSIER_PREFIX = `${DESK_PREFIX}dossier:`;
/** How many dossiers to keep for offline use. */
export const KEEP_DOSSIERS = 60;
const PAGE = 500;
// What the server adds to a ticket's data in its answers; the rest is the record's data.
const ANSWER_FIELDS = new Set(["id", "version", "deleted", "department_id", "created_at", "updated_at", "color"]);

/** A ticket answer's record data (what a pull would bring). */
export function ticketData(item: TicketItem): JsonObject {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !ANSWER_FIELDS.has(k)));
}

/**
 * Writes answered tickets into the records table where they are newer than
 * what this device pulled. With `complete`, tickets this device holds that
 * the answer no longer lists (and that wait for nothing in the outbox) are
 * dropped: the caller may no longer see them.
 */
export async function absorbTickets(d: GridwalkDB, items: readonly TicketItem[], complete: boolean): Promise<void> {
  await d.transaction("rw", d.records, d.outbox, async () => {
    const listed = new Set<string>();
    for (const item of items) {
      listed.add(item.id);
      const rec = await d.records.get(["ticket", item.id]);
      if (rec?.pulledVersion != null && item.version <= rec.pulledVersion) continue;
      await refreshRecord(d, "ticket", item.id, {
        server: { data: ticketData(item), deleted: false },
        pulledVersion: item.version,
        version: Math.max(item.version, rec?.version ?? 0),
      });
    }
    if (!complete) return;
    const held = await d.records.where("entity").equals("ticket").toArray();
    for (const rec of held) {
      if (listed.has(rec.entity_id) || rec.pulledVersion == null) continue;
      if ((await d.outbox.where("entity_id").equals(rec.entity_id).count()) > 0) continue;
      await d.records.delete(["ticket", rec.entity_id]);
    }
  });
}

/**
 * Fetches every ticket the caller may see and keeps the answer. Runs under
 * the sync lock, so no pull lands between the list and its absorption;
 * resolves undefined (nothing changed) while a sync holds the lock.
 */
export async function refreshTickets(d: GridwalkDB, api: ApiClient, now: () => Date = () => new Date()): Promise<TicketSnapshot | undefined> {
  return withSyncLock(d, async () => {
    const items: TicketItem[] = [];
    let serverNow = "";
    for (let offset = 0; ; offset += PAGE) {
      const page = await api.json<{ items: TicketItem[]; total: number; now?: string }>(`/tickets?limit=${PAGE}&offset=${offset}`);
      items.push(...page.items);
      serverNow ||= page.now ?? "";
      if (page.items.length < PAGE || items.length >= page.total) break;
    }
    const fetchedAt = now().toISOString();
    const snapshot: TicketSnapshot = { fetchedAt, serverNow: serverNow || fetchedAt, items };
    await absorbTickets(d, items, true);
    await setMeta(d, TICKETS_KEY, snapshot);
    return snapshot;
  });
}

/** The kept ticket list, if this device ever fetched it. */
export function loadTickets(d: GridwalkDB): Promise<TicketSnapshot | undefined> {
  return getMeta<TicketSnapshot>(d, TICKETS_KEY);
}

/** Fetches a ticket's dossier and keeps it (older dossiers beyond KEEP_DOSSIERS are dropped). */
export async function refreshDossier(d: GridwalkDB, api: ApiClient, id: string, now: () => Date = () => new Date()): Promise<DossierSnapshot> {
  const dossier = await api.json<Dossier>(`/tickets/${encodeURIComponent(id)}/dossier`);
  const snapshot: DossierSnapshot = { fetchedAt: now().toISOString(), dossier };
  await absorbTickets(d, [dossier.ticket], false);
  await setMeta(d, DOSSIER_PREFIX + id, snapshot);
  const stored = await d.meta.where("key").startsWith(DOSSIER_PREFIX).toArray();
  const stale = stored
    .sort((a, b) => String((b.value as DossierSnapshot).fetchedAt).localeCompare(String((a.value as DossierSnapshot).fetchedAt)))
    .slice(KEEP_DOSSIERS)
    .map((row) => row.key);
  if (stale.length) await d.meta.bulkDelete(stale);
  return snapshot;
}

/** The kept dossier of a ticket, if this device ever fetched it. */
export function loadDossier(d: GridwalkDB, id: string): Promise<DossierSnapshot | undefined> {
  return getMeta<DossierSnapshot>(d, DOSSIER_PREFIX + id);
}

/** Fetches the grids the caller works with, by name, and keeps them. */
export async function refreshGrids(d: GridwalkDB, api: ApiClient): Promise<GridName[]> {
  const body = await api.json<{ grids: GridName[] }>("/grids");
  await setMeta(d, GRIDS_KEY, body.grids ?? []);
  return body.grids ?? [];
}

/** The kept grids (none before the first fetch). */
export async function loadGrids(d: GridwalkDB): Promise<GridName[]> {
  return (await getMeta<GridName[]>(d, GRIDS_KEY)) ?? [];
}
