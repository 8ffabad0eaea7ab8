/**
 * The device's HLC, persisted in `meta`.
 *
 * Each stamp is read-modified-written inside a Dexie transaction so that two
 * tabs (or a tab and the service worker) never hand out the same stamp.
 */

import { META } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import { HybridLogicalClock, type HlcState } from "./hlc";

/** Stamps must stay ahead of this rebase threshold's twin on the server (sync/client.py uses one hour). */
export const REBASE_AHEAD_MS = 3_600_000;

/** The clock as last saved. Call inside a transaction that includes `meta`. */
export async function loadClock(d: GridwalkDB, node: string, clock: () => number = Date.now): Promise<HybridLogicalClock> {
  const row = await d.meta.get(META.hlc);
  const saved = row?.value as Partial<HlcState> | undefined;
  // Older saved shapes without `last` start fresh rather than fail.
  return new HybridLogicalClock(node, clock, typeof saved?.last === "string" || saved?.last === null ? saved : undefined);
}

export async function saveClock(d: GridwalkDB, hlc: HybridLogicalClock): Promise<void> {
  await d.meta.put({ key: META.hlc, value: hlc.state() });
}

/**
 * Follows the server's HLC (offset correction + receive). `idle` allows the
 * rebase of a clock that ran far ahead: pass it only when the outbox holds no
 * mutation stamped by this clock that the server has not answered yet.
 */
export async function observeServer(
  d: GridwalkDB,
  node: string,
  remote: string | undefined,
  idle: boolean,
  clock: () => number = Date.now,
): Promise<void> {
  if (!remote) return;
  await d.transaction("rw", d.meta, async () => {
    const hlc = await loadClock(d, node, clock);
    try {
      hlc.observeServer(remote, idle ? REBASE_AHEAD_MS : undefined);
    } catch {
      return; // not an HLC: ignore it, as the reference client does
    }
    await saveClock(d, hlc);
  });
}

/** Corrected "now" in ms, for the times stored on records (device_time, at, visited_at). */
export async function correctedNow(d: GridwalkDB, node: string, clock: () => number = Date.now): Promise<number> {
  const hlc = await loadClock(d, node, clock);
  return hlc.physicalMs();
}
