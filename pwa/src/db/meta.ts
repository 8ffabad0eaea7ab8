/** Small key/value facts kept in the `meta` table. */

import type { GridwalkDB } from "./schema";

export const META = {
  deviceId: "device_id",
  session: "session",
  hlc: "hlc",
  cursor: "cursor",
  lastSync: "last_sync",
  lastSyncError: "last_sync_error",
  catalogue: "catalogue",
  me: "me",
  locale: "locale",
  syncLease: "sync_lease",
  team: "team",
  people: "people",
  notifications: "notifications",
  departments: "departments",
  outcomes: "outcomes",
} as const;

/** Keys of the huddle snapshots kept for offline use start with this (sync/huddle.ts). */
export const HUDDLE_PREFIX = "huddle:";

/** Keys of the desk screens' snapshots (ticket lists, dossiers, grids) start with this (sync/desk.ts). */
export const DESK_PREFIX = "desk:";

export async function getMeta<T>(d: GridwalkDB, key: string): Promise<T | undefined> {
  const row = await d.meta.get(key);
  return row?.value as T | undefined;
}

export async function setMeta(d: GridwalkDB, key: string, value: unknown): Promise<void> {
  await d.meta.put({ key, value });
}

export async function deleteMeta(d: GridwalkDB, key: string): Promise<void> {
  await d.meta.delete(key);
}
