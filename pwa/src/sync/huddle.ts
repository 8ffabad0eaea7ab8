/**
 * The huddle board's data: GET /api/huddle for one grid and day, kept in
 * IndexedDB so the board opens from cache with no network and says how old
 * its data is. Only this module (through the API client) fetches it; the
 * board reads the stored snapshot and lays the local records over it.
 */

import { HUDDLE_PREFIX, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import type { ApiClient } from "./api";
import type { JsonObject } from "./mutation";

export interface HuddleReport {
  entity: string;
  id: string;
  grid_id: number | null;
  version: number;
  deleted: boolean;
  day: string | null;
  created_at: string;
  data: JsonObject;
  pending_photos?: string[];
}

export interface HuddleCluster {
  report_ids: string[];
  score: number;
  reasons: string[];
  kind: "many_reporters" | "same_reporter" | "mixed" | string;
}

export interface TicketMatch {
  report_id: string;
  ticket_id: string;
  score: number;
  reasons: string[];
}

export interface CommonProblem {
  category: string;
  name_zh: string;
  name_en: string;
  grid_count: number;
  street_count: number;
  grids: number[];
  scope: "grid" | "street" | string;
  suggestion?: string;
  suggestion_code?: string;
}

export interface CheckinSummary {
  member: string;
  display_name: string;
  count: number;
  first: string | null;
  last: string | null;
  checkpoints_covered: number;
  checkpoints_total: number;
  compliance: number | null;
  flagged: number;
  /** Check-ins outside the grid, at another member's checkpoint or far from their own (older servers: absent). */
  off_beat?: number;
}

export interface MapPoint {
  id?: string | number;
  name: string;
  kind?: string;
  lat: number;
  lon: number;
  radius_m?: number;
}

export interface GridMap {
  boundary: { type: string; coordinates: number[][][] } | null;
  center: [number, number] | null;
  beats: { member: string; name: string; places: MapPoint[]; checkpoints: MapPoint[] }[];
  tile_url: string | null;
  datum?: string;
}

export interface Huddle {
  grid: { id: number; code: string; name: string };
  date: string;
  generated_at?: string;
  reports: HuddleReport[];
  clusters: HuddleCluster[];
  ticket_matches: TicketMatch[];
  conflicts: Record<string, unknown>[];
  common_problems: CommonProblem[];
  checkins: CheckinSummary[];
  visits: number;
  map?: GridMap;
}

export interface HuddleSnapshot {
  /** When this phone received the content as it is now (ISO): it is rewritten only when it changes. */
  fetchedAt: string;
  huddle: Huddle;
}

/** How old the board's data is: when it was last fetched (unchanged or not) and when the server made it. */
export interface HuddleAsOf {
  fetchedAt: string;
  generatedAt?: string;
  /** A hash of the stored content, to tell a changed answer without reading the stored one. */
  hash?: string;
}

/** How many snapshots (grid and day) to keep for offline use. */
export const KEEP_SNAPSHOTS = 14;
const AS_OF = ":asof";
// The snapshot's report ids, kept apart so the board reads the tablet's own copies of those
// reports while the (much larger) snapshot is still being read.
const IDS = ":ids";
const SUFFIXES = [AS_OF, IDS];

/** The meta key of a grid's day ("mine" is the caller's own grid). */
export function huddleKey(grid: number | "mine", date: string): string {
  return `${HUDDLE_PREFIX}${grid}:${date}`;
}

/** The stored snapshot, if this tablet ever fetched that day. */
export function loadHuddle(d: GridwalkDB, grid: number | "mine", date: string): Promise<HuddleSnapshot | undefined> {
  return getMeta<HuddleSnapshot>(d, huddleKey(grid, date));
}

/** When the stored snapshot was last fetched (kept apart from it, so a refresh that changes nothing redraws nothing). */
export function loadAsOf(d: GridwalkDB, grid: number | "mine", date: string): Promise<HuddleAsOf | undefined> {
  return getMeta<HuddleAsOf>(d, huddleKey(grid, date) + AS_OF);
}

/** FNV-1a (32 bits, twice with different seeds) over a string: cheap, and plenty to tell two answers apart. */
export function contentHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d);
  }
  return `${(a >>> 0).toString(16)}${(b >>> 0).toString(16)}`;
}

/** The ids of the stored snapshot's reports. */
export async function loadHuddleIds(d: GridwalkDB, grid: number | "mine", date: string): Promise<string[]> {
  return (await getMeta<string[]>(d, huddleKey(grid, date) + IDS)) ?? [];
}

/** Fetches the board's data and stores it; older snapshots beyond KEEP_SNAPSHOTS are dropped. */
export async function refreshHuddle(
  d: GridwalkDB,
  api: ApiClient,
  grid: number | "mine",
  date: string,
  now: () => Date = () => new Date(),
): Promise<HuddleSnapshot> {
  const q = new URLSearchParams({ date });
  if (grid !== "mine") q.set("grid", String(grid));
  const { generated_at: generatedAt, ...huddle } = await api.json<Huddle>(`/huddle?${q}`);
  const fetchedAt = now().toISOString();
  const key = huddleKey(grid, date);
  const hash = contentHash(JSON.stringify(huddle));
  const before = await getMeta<HuddleAsOf>(d, key + AS_OF);
  let snapshot: HuddleSnapshot = { fetchedAt, huddle };
  // Unchanged (the usual answer during a huddle): the large stored copy is neither read nor rewritten.
  const stored = before?.hash === hash ? await getMeta<HuddleSnapshot>(d, key) : undefined;
  if (stored) snapshot = stored;
  else {
    await setMeta(d, key + IDS, huddle.reports.map((r) => r.id));
    await setMeta(d, key, snapshot);
  }
  await setMeta(d, key + AS_OF, { fetchedAt, generatedAt, hash } satisfies HuddleAsOf);
  const bodies = (await d.meta.where("key").startsWith(HUDDLE_PREFIX).toArray()).filter(
    (row) => !SUFFIXES.some((suffix) => row.key.endsWith(suffix)),
  );
  const stale = bodies
    .sort((a, b) => String((b.value as HuddleSnapshot).fetchedAt).localeCompare(String((a.value as HuddleSnapshot).fetchedAt)))
    .slice(KEEP_SNAPSHOTS)
    .flatMap((row) => [row.key, ...SUFFIXES.map((suffix) => row.key + suffix)]);
  if (stale.length) await d.meta.bulkDelete(stale);
  return snapshot;
}
