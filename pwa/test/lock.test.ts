import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { META } from "../src/db/meta";
import { withSyncLock } from "../src/sync/lock";
import { freshDb } from "./helpers";

let d: GridwalkDB;

beforeEach(() => {
  d = freshDb();
});
afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  d.close();
  await d.delete();
});

/** Waits until another tab's lease row is there (without moving the faked clock). */
async function leaseTaken(): Promise<void> {
  while (!(await d.meta.get(META.syncLease))) await new Promise((r) => setImmediate(r));
}

/** Something that resolves when told to, to hold the lock open. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe("the sync lock without Web Locks", () => {
  it("lets only one sync run at a time, and the next one after it", async () => {
    const g = gate();
    const first = withSyncLock(d, async () => {
      await g.opened;
      return "first";
    });
    await leaseTaken();
    const second = vi.fn(async () => "second");
    expect(await withSyncLock(d, second)).toBeUndefined();
    expect(second).not.toHaveBeenCalled();
    g.open();
    expect(await first).toBe("first");
    expect(await d.meta.get(META.syncLease)).toBeUndefined();
    expect(await withSyncLock(d, second)).toBe("second");
  });

  it("is given back when the sync fails", async () => {
    await expect(withSyncLock(d, async () => Promise.reject(new Error("offline")))).rejects.toThrow("offline");
    expect(await withSyncLock(d, async () => "again")).toBe("again");
  });

  it("waits out another tab's lease for two minutes, then takes it over", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_800_000_000_000);
    const g = gate();
    // A tab takes the lease and is killed mid-sync: it never gives it back.
    void withSyncLock(d, () => g.opened);
    await leaseTaken();
    const taken = (await d.meta.get(META.syncLease))!.value;

    vi.setSystemTime(1_800_000_000_000 + 2 * 60_000 - 1);
    expect(await withSyncLock(d, async () => "too early")).toBeUndefined();
    // The refused attempt leaves the other tab's lease alone.
    expect((await d.meta.get(META.syncLease))?.value).toEqual(taken);

    vi.setSystemTime(1_800_000_000_000 + 2 * 60_000 + 1);
    expect(await withSyncLock(d, async () => "taken over")).toBe("taken over");
    g.open();
  });

  it("does not drop a lease that another tab took over in the meantime", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_800_000_000_000);
    const result = await withSyncLock(d, async () => {
      // This sync ran so long that another tab took the lease over.
      await d.meta.put({ key: META.syncLease, value: { owner: "other-tab", until: Date.now() + 60_000 } });
      return "done";
    });
    expect(result).toBe("done");
    expect((await d.meta.get(META.syncLease))?.value).toMatchObject({ owner: "other-tab" });
  });
});

describe("the sync lock with Web Locks", () => {
  /** The browser's lock manager, reduced to what ifAvailable needs. */
  function lockManager() {
    const held = new Set<string>();
    const requests: { name: string; ifAvailable: boolean }[] = [];
    return {
      held,
      requests,
      async request<R>(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<R>): Promise<R> {
        requests.push({ name, ifAvailable: options.ifAvailable });
        if (held.has(name)) return callback(null);
        held.add(name);
        try {
          return await callback({ name });
        } finally {
          held.delete(name);
        }
      },
    };
  }

  it("runs one sync across tabs and the service worker, without a lease row", async () => {
    const locks = lockManager();
    vi.stubGlobal("navigator", { locks });
    const g = gate();
    const first = withSyncLock(d, async () => {
      await g.opened;
      return 1;
    });
    const second = vi.fn(async () => 2);
    expect(await withSyncLock(d, second)).toBeUndefined();
    expect(second).not.toHaveBeenCalled();
    g.open();
    expect(await first).toBe(1);
    expect(locks.requests).toEqual([
      { name: "gridwalk-sync", ifAvailable: true },
      { name: "gridwalk-sync", ifAvailable: true },
    ]);
    expect(await d.meta.get(META.syncLease)).toBeUndefined();
    expect(await withSyncLock(d, second)).toBe(2);
  });
});

describe("the lease's end", () => {
  it("is free again at the very millisecond it ends", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_800_000_000_000);
    await d.meta.put({ key: META.syncLease, value: { owner: "other-tab", until: 1_800_000_000_000 } });
    expect(await withSyncLock(d, async () => "mine")).toBe("mine");
  });
});
