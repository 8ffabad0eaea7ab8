/**
 * Only one sync at a time across tabs and the service worker.
 *
 * Web Locks where the browser has them; otherwise a lease row in Dexie that
 * expires, so a tab killed mid-sync cannot hold it for ever.
 */

import { META } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import { uuid } from "./mutation";

const LOCK_NAME = "gridwalk-sync";
const LEASE_MS = 2 * 60_000;

/** The part of the Web Locks API we use (typed here so pages and workers share it). */
interface MinimalLockManager {
  request<R>(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<R>): Promise<R>;
}

interface Lease {
  owner: string;
  until: number;
}

/** Runs `fn` holding the sync lock; resolves to undefined without running it when someone else holds it. */
export async function withSyncLock<T>(d: GridwalkDB, fn: () => Promise<T>): Promise<T | undefined> {
  const locks = (globalThis as { navigator?: { locks?: MinimalLockManager } }).navigator?.locks;
  if (locks?.request) {
    return locks.request(LOCK_NAME, { ifAvailable: true }, async (lock: unknown) => (lock ? fn() : undefined));
  }
  const owner = uuid();
  const acquired = await d.transaction("rw", d.meta, async () => {
    const lease = (await d.meta.get(META.syncLease))?.value as Lease | undefined;
    if (lease && lease.until > Date.now()) return false;
    await d.meta.put({ key: META.syncLease, value: { owner, until: Date.now() + LEASE_MS } });
    return true;
  });
  if (!acquired) return undefined;
  try {
    return await fn();
  } finally {
    await d.transaction("rw", d.meta, async () => {
      const lease = (await d.meta.get(META.syncLease))?.value as Lease | undefined;
      if (lease?.owner === owner) await d.meta.delete(META.syncLease);
    });
  }
}
