import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { META, setMeta } from "../src/db/meta";
import { ApiClient } from "../src/sync/api";
import { MAX_DELAY_MS } from "../src/sync/backoff";
import { enqueue } from "../src/sync/outbox";
import { BACKGROUND_SYNC_TAG, SYNC_INTERVAL_MS, SyncScheduler, registerBackgroundSync } from "../src/sync/scheduler";
import { FakeSyncServer } from "./fakeServer";
import { freshDb } from "./helpers";

const NODE = "dev-1";
const T0 = 1_900_000_000_000;
let d: GridwalkDB;
let server: FakeSyncServer;
let requests: string[];
/** The answer to every sync request; null lets the fake server answer. */
let failure: (() => Response) | null;

/** The page the scheduler lives in: window, document and navigator events. */
let page: { window: EventTarget; document: EventTarget & { visibilityState: string }; worker: EventTarget & { ready: Promise<unknown> }; registered: string[]; navigator: { onLine: boolean; serviceWorker: unknown } };

function fetchImpl(url: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const u = new URL(String(url), "http://phone");
  requests.push(u.pathname);
  if (u.pathname.startsWith("/api/sync/") && failure) return Promise.resolve(failure());
  if (u.pathname === "/api/sync/push") return server.push(JSON.parse(String(init?.body))).then((b) => Response.json(b));
  if (u.pathname === "/api/sync/pull") return server.pull(u.searchParams.get("cursor") ?? undefined, 200).then((b) => Response.json(b));
  return Promise.resolve(new Response(null, { status: 404 }));
}

const syncs = () => requests.filter((p) => p === "/api/sync/pull").length;

beforeEach(async () => {
  d = freshDb();
  server = new FakeSyncServer();
  requests = [];
  failure = null;
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(T0);
  const worker = Object.assign(new EventTarget(), { ready: Promise.resolve(undefined as unknown) });
  const registered: string[] = [];
  page = {
    window: new EventTarget(),
    document: Object.assign(new EventTarget(), { visibilityState: "visible" }),
    worker,
    registered,
    navigator: { onLine: true, serviceWorker: worker },
  };
  worker.ready = Promise.resolve({ sync: { register: async (tag: string) => void registered.push(tag) } });
  vi.stubGlobal("addEventListener", page.window.addEventListener.bind(page.window));
  vi.stubGlobal("document", page.document);
  vi.stubGlobal("navigator", page.navigator);
  await setMeta(d, META.session, { user: { id: 1, username: "g1-1", role: "patroller" }, access_token: "a", refresh_token: "r" });
});
afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  d.close();
  await d.delete();
});

function scheduler(device = NODE) {
  return new SyncScheduler(d, new ApiClient(d, fetchImpl), device);
}

/** Lets timers due within `ms` fire, then waits (on real time, not the faked clock) for the syncs they started. */
async function settleTimers(s: SyncScheduler, ms: number) {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
  while (s.status.value.running) await new Promise((r) => setImmediate(r));
}

describe("a sync run", () => {
  it("sends the outbox, then says when the next one is due", async () => {
    await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: { description: "x" } });
    const s = scheduler();
    await s.run();
    expect(server.records.has("report/r1")).toBe(true);
    expect(s.status.value).toMatchObject({ running: false, failures: 0, nextAt: T0 + SYNC_INTERVAL_MS, lastReport: { applied: 1 } });
  });

  it("fetches the team only for people who work in a grid", async () => {
    for (const [role, team] of [["patroller", true], ["lead", true], ["supervisor", false]] as const) {
      requests = [];
      await setMeta(d, META.session, { user: { id: 1, username: "u", role }, access_token: "a", refresh_token: "r" });
      await scheduler().run();
      expect(requests.includes("/api/team"), role).toBe(team);
      for (const path of ["/api/me", "/api/catalogue", "/api/conflicts", "/api/people", "/api/notifications"]) expect(requests, `${role} ${path}`).toContain(path);
    }
  });

  it("does nothing without a session or while a new log-in is needed", async () => {
    await d.meta.delete(META.session);
    await scheduler().run(true);
    await setMeta(d, META.session, { user: { id: 1, username: "u" }, access_token: "a", refresh_token: "r", needsRelogin: true });
    await scheduler().run(true);
    expect(requests).toEqual([]);
  });

  it("shares one run between callers", async () => {
    const s = scheduler();
    const a = s.run();
    const b = s.run(true);
    expect(b).toBe(a);
    await a;
    expect(syncs()).toBe(1);
  });

  it("shows that it is running", async () => {
    const s = scheduler();
    const seen: boolean[] = [];
    s.status.subscribe((v) => void seen.push(v.running));
    await s.run();
    expect(seen).toEqual([false, true, false]);
  });

  it("keeps the last report when another tab holds the sync", async () => {
    const s = scheduler();
    await s.run();
    const report = s.status.value.lastReport;
    await d.meta.put({ key: META.syncLease, value: { owner: "other-tab", until: T0 + 60 * 60_000 } });
    vi.setSystemTime(T0 + SYNC_INTERVAL_MS);
    requests = [];
    await s.run();
    expect(syncs()).toBe(0);
    expect(s.status.value.lastReport).toBe(report);
    expect(s.status.value.failures).toBe(0);
  });

  it("syncs as the device a new log-in made", async () => {
    const s = scheduler("dev-old");
    s.useDevice("dev-new");
    const pushes: string[] = [];
    const push = server.push.bind(server);
    server.push = (body) => (pushes.push(body.device_id), push(body));
    await enqueue(d, "dev-new", { entity: "report", entity_id: "r1", op: "create", data: {} });
    await s.run();
    expect(pushes).toEqual(["dev-new"]);
  });
});

describe("after a failure", () => {
  it("backs off, skipping automatic runs until the wait is over, but not a run by hand", async () => {
    failure = () => Response.json({ error: { code: "server_busy", message: "later" } }, { status: 503 });
    const s = scheduler();
    await s.run();
    const first = s.status.value;
    expect(first).toMatchObject({ running: false, failures: 1, lastError: { code: "server_busy", message: "later" } });
    expect(first.nextAt).toBeGreaterThanOrEqual(T0 + 2_500);
    expect(first.nextAt).toBeLessThanOrEqual(T0 + 5_000);

    requests = [];
    await s.run();
    expect(syncs()).toBe(0);

    // A run by hand goes ahead, and its failure does not lengthen the wait.
    await s.run(true);
    expect(syncs()).toBe(1);
    expect(s.status.value.failures).toBe(1);

    vi.setSystemTime(s.status.value.nextAt);
    await s.run();
    expect(s.status.value.failures).toBe(2);
    expect(s.status.value.nextAt - Date.now()).toBeGreaterThanOrEqual(5_000);

    failure = null;
    vi.setSystemTime(s.status.value.nextAt);
    await s.run();
    expect(s.status.value).toMatchObject({ failures: 0, nextAt: Date.now() + SYNC_INTERVAL_MS });
  });

  it("names a failure that is not the server's answer", async () => {
    failure = () => {
      throw new RangeError("bad state");
    };
    const s = scheduler();
    await s.run();
    expect(s.status.value.lastError).toEqual({ code: "network", message: "bad state" });
    await d.meta.put({ key: META.hlc, value: { last: "garbage" } });
    failure = null;
    await s.run(true);
    expect(s.status.value.lastError?.code).toBe("error");
    expect(s.status.value.nextAt - Date.now()).toBeLessThanOrEqual(MAX_DELAY_MS);
  });
});

describe("the offline hint", () => {
  it("skips automatic runs while the phone says it is offline, not a run by hand", async () => {
    page.navigator.onLine = false;
    const s = scheduler();
    await s.run();
    expect(requests).toEqual([]);
    await s.run(true);
    expect(syncs()).toBe(1);
  });
});

describe("what starts a sync", () => {
  it("the first idle moment, the network coming back, the page showing, the service worker, the timer", async () => {
    const s = scheduler();
    s.start();
    s.start();
    await settleTimers(s, 0);
    expect(syncs()).toBe(1);

    vi.setSystemTime(Date.now() + SYNC_INTERVAL_MS);
    page.window.dispatchEvent(new Event("online"));
    await settleTimers(s, 0);
    expect(syncs()).toBe(2);

    vi.setSystemTime(Date.now() + SYNC_INTERVAL_MS);
    page.document.visibilityState = "hidden";
    page.document.dispatchEvent(new Event("visibilitychange"));
    await settleTimers(s, 0);
    expect(syncs()).toBe(2);
    page.document.visibilityState = "visible";
    page.document.dispatchEvent(new Event("visibilitychange"));
    await settleTimers(s, 0);
    expect(syncs()).toBe(3);

    vi.setSystemTime(Date.now() + SYNC_INTERVAL_MS);
    page.worker.dispatchEvent(new MessageEvent("message", { data: { type: "other" } }));
    await settleTimers(s, 0);
    expect(syncs()).toBe(3);
    page.worker.dispatchEvent(new MessageEvent("message", { data: { type: "sync-request" } }));
    await settleTimers(s, 0);
    expect(syncs()).toBe(4);

    // The timer looks every 15 s and syncs once the interval has passed.
    await settleTimers(s, 15_000);
    expect(syncs()).toBe(4);
    await settleTimers(s, SYNC_INTERVAL_MS);
    expect(syncs()).toBe(5);
  });

  it("a save, a moment later, once however many saves, with Background Sync asked for", async () => {
    const s = scheduler();
    s.soon();
    await settleTimers(s, 1_000);
    s.soon();
    await settleTimers(s, 1_000);
    expect(syncs()).toBe(0);
    await settleTimers(s, 600);
    expect(syncs()).toBe(1);
    expect(page.registered).toEqual([BACKGROUND_SYNC_TAG, BACKGROUND_SYNC_TAG]);
    expect(BACKGROUND_SYNC_TAG).toBe("gridwalk-sync");
  });
});

describe("Background Sync", () => {
  it("is asked for quietly where it is missing or refused", async () => {
    page.navigator.serviceWorker = undefined;
    await expect(registerBackgroundSync()).resolves.toBeUndefined();
    page.navigator.serviceWorker = { ready: Promise.resolve({ sync: { register: () => Promise.reject(new DOMException("denied", "NotAllowedError")) } }) };
    await expect(registerBackgroundSync()).resolves.toBeUndefined();
    page.navigator.serviceWorker = { ready: Promise.resolve({}) };
    await expect(registerBackgroundSync()).resolves.toBeUndefined();
  });
});

describe("the scheduler at its edges", () => {
  it("starts on a page without a service worker, and ignores messages without data", async () => {
    page.navigator.serviceWorker = undefined;
    const s = scheduler();
    expect(() => s.start()).not.toThrow();
    await settleTimers(s, 0);
    expect(syncs()).toBe(1);

    vi.stubGlobal("navigator", { onLine: true, serviceWorker: page.worker });
    const t = scheduler();
    t.start();
    await settleTimers(t, 0);
    page.worker.dispatchEvent(new MessageEvent("message", { data: null }));
    await settleTimers(t, 0);
    expect(syncs()).toBe(2);
  });

  it("syncs on the timer at the very moment the next sync is due", async () => {
    const s = scheduler();
    s.start();
    await settleTimers(s, 0);
    expect(s.status.value.nextAt).toBe(T0 + SYNC_INTERVAL_MS);
    await settleTimers(s, SYNC_INTERVAL_MS);
    expect(syncs()).toBe(2);
  });

  it("sends a save made right after a sync without waiting for the interval", async () => {
    const s = scheduler();
    await s.run();
    await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    await s.run();
    expect(server.records.has("report/r1")).toBe(true);
  });

  it("leaves its status alone without a session", async () => {
    await d.meta.delete(META.session);
    const s = scheduler();
    await s.run(true);
    expect(s.status.value).toEqual({ running: false, failures: 0, nextAt: 0 });
  });

  it("does not shorten the wait when a run by hand fails after several failures", async () => {
    failure = () => Response.json({ error: { code: "server_busy", message: "" } }, { status: 503 });
    const s = scheduler();
    await s.run();
    vi.setSystemTime(s.status.value.nextAt);
    await s.run();
    expect(s.status.value.failures).toBe(2);
    await s.run(true);
    expect(s.status.value.failures).toBe(2);
  });
});
