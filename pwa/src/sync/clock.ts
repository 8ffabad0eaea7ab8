/**
 * The device's HLC, persisted in `meta`.
 *
 * Each stamp is read-modified-written inside a Dexie transaction so that two
 * tabs (or a tab and the service worker) never hand out the same stamp.
 */

import { META } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import { HybridLogicalClock, type HlcState } from "./hlc";

async function load(d: GridwalkDB, node: string, clock: () => number): Promise<HybridLogicalClock> {
  const row = await d.meta.get(META.hlc);
  return new HybridLogicalClock(node, clock, row?.value as HlcState | undefined);
}

/** A new local stamp. Call inside a transaction that includes `meta` to make it atomic with a write. */
export async function stamp(d: GridwalkDB, node: string, clock: () => number = Date.now): Promise<string> {
  return d.transaction("rw", d.meta, async () => {
    const hlc = await load(d, node, clock);
    const value = hlc.now();
    await d.meta.put({ key: META.hlc, value: hlc.state() });
    return value;
  });
}

/** Merges the server's HLC into ours (also correcting the offset to server time). */
export async function receive(
  d: GridwalkDB,
  node: string,
  remote: string | undefined,
  clock: () => number = Date.now,
): Promise<void> {
  if (!remote) return;
  await d.transaction("rw", d.meta, async () => {
    const hlc = await load(d, node, clock);
    hlc.receive(remote);
    await d.meta.put({ key: META.hlc, value: hlc.state() });
  });
}

/** Corrected "now" in ms, for timestamps shown to people (device_time, at, visited_at). */
export async function correctedNow(d: GridwalkDB, node: string, clock: () => number = Date.now): Promise<number> {
  const hlc = await load(d, node, clock);
  return hlc.physical();
}
