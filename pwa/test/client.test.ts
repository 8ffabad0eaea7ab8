import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { ApiClient } from "../src/sync/api";
import { pullChanges, pushOutbox, syncOnce } from "../src/sync/client";
import { formatHlc, parseHlc } from "../src/sync/hlc";
import { enqueue } from "../src/sync/outbox";
import { META, getMeta, setMeta } from "../src/db/meta";
import { storePhoto } from "../src/photos/queue";
import { outcomesFor } from "../src/sync/outcomes";
import { FakeSyncServer } from "./fakeServer";
import { freshDb } from "./helpers";

const NODE = "dev-1";
let d: GridwalkDB;
let server: FakeSyncServer;

beforeEach(() => {
  d = freshDb();
  server = new FakeSyncServer();
});
afterEach(async () => {
  d.close();
  await d.delete();
});

const create = (id: string, data: Record<string, unknown> = {}) =>
  enqueue(d, NODE, { entity: "report", entity_id: id, op: "create", data });

describe("push", () => {
  it("sends the outbox in order and empties it", async () => {
    for (let i = 0; i < 7; i++) await create(`r${i}`, { description: String(i) });
    const summary = await pushOutbox(d, server, NODE, 3);
    expect(summary.applied).toBe(7);
    expect(server.pushes).toBe(3);
    expect(server.log.map((c) => c.entity_id)).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6"]);
    expect(await d.outbox.count()).toBe(0);
  });

  it("loses nothing when the answer never arrives, and re-sending is a duplicate", async () => {
    await create("r1", { description: "stairwell light broken" });
    server.dropNextAnswer = true;
    await expect(pushOutbox(d, server, NODE)).rejects.toThrow();
    expect(await d.outbox.count()).toBe(1);
    const [item] = await d.outbox.toArray();
    expect(item.attempts).toBe(1);
    const summary = await pushOutbox(d, server, NODE);
    expect(summary.duplicate).toBe(1);
    expect(await d.outbox.count()).toBe(0);
    expect(server.records.size).toBe(1);
  });

  it("keeps the record visible between push and pull", async () => {
    await create("r1", { description: "x" });
    await pushOutbox(d, server, NODE);
    const rec = await d.records.get(["report", "r1"]);
    expect(rec?.data.description).toBe("x");
    expect(rec?.pending).toBe(0);
    expect(rec?.version).toBe(1);
  });

  it("one rejected mutation does not hold back the others", async () => {
    server.rejectIf = (m) => m.entity_id === "bad";
    await create("bad");
    await create("good");
    const summary = await pushOutbox(d, server, NODE);
    expect(summary).toMatchObject({ applied: 1, rejected: 1 });
    expect((await d.outbox.toArray()).map((i) => i.entity_id)).toEqual(["bad"]);
  });
});

describe("pull", () => {
  it("follows the cursor until there is no more", async () => {
    for (let i = 0; i < 5; i++) {
      await server.push({ device_id: "other", mutations: [{ id: `x${i}`, entity: "visit", entity_id: `v${i}`, op: "create", hlc: "", base_version: null, data: { notes: `n${i}` } }] });
    }
    expect(await pullChanges(d, server, NODE, 2)).toBe(5);
    expect(await d.records.where("entity").equals("visit").count()).toBe(5);
    expect((await d.meta.get("cursor"))?.value).toBe("5");
    expect(await pullChanges(d, server, NODE, 2)).toBe(0);
  });

  it("moves the local clock past the server's", async () => {
    await pullChanges(d, server, NODE);
    const m = await create("r1");
    expect(parseHlc(m.hlc).wall).toBeGreaterThanOrEqual(server.wall);
  });
});

describe("syncOnce", () => {
  const offline = (db: GridwalkDB) => new ApiClient(db, async () => new Response(null, { status: 500 }));

  it("pulls with its push: a sync with little to send is one request", async () => {
    await server.push({ device_id: "other", mutations: [{ id: "x1", entity: "visit", entity_id: "v1", op: "create", hlc: "", base_version: null, data: { notes: "门口" } }] });
    await create("r1", { description: "井盖破损" });
    const report = await syncOnce(d, offline(d), NODE, server);
    expect(server.pushes).toBe(2);
    expect(server.pulls).toBe(0);
    expect(report).toMatchObject({ applied: 1, pulled: 2 });
    expect((await d.records.get(["visit", "v1"]))?.data.notes).toBe("门口");
    expect((await d.meta.get("cursor"))?.value).toBe("2");
  });

  it("goes on pulling while the push's pull says more is waiting", async () => {
    for (let i = 0; i < 450; i++) {
      await server.push({ device_id: "other", mutations: [{ id: `x${i}`, entity: "visit", entity_id: `v${i}`, op: "create", hlc: "", base_version: null, data: {} }] });
    }
    await create("r1");
    const report = await syncOnce(d, offline(d), NODE, server);
    expect(report.pulled).toBe(451);
    expect(server.pulls).toBe(2);
    expect(await d.records.count()).toBe(451);
  });

  it("pulls on its own from a server that does not pull with a push", async () => {
    server.pullsWithPush = false;
    await create("r1", { description: "x" });
    const report = await syncOnce(d, offline(d), NODE, server);
    expect(report).toMatchObject({ applied: 1, pulled: 1 });
    expect(server.pulls).toBe(1);
    expect((await d.meta.get("cursor"))?.value).toBe("1");
  });

  it("converges two devices", async () => {
    const other = freshDb();
    try {
      await create("r1", { description: "from A", severity: 1 });
      const api = new ApiClient(d, async () => new Response(null, { status: 500 }));
      const apiB = new ApiClient(other, async () => new Response(null, { status: 500 }));
      await syncOnce(d, api, NODE, server);
      await syncOnce(other, apiB, "dev-2", server);
      await enqueue(other, "dev-2", { entity: "report", entity_id: "r1", op: "update", data: { severity: 3 } });
      await syncOnce(other, apiB, "dev-2", server);
      await syncOnce(d, api, NODE, server);
      const a = await d.records.get(["report", "r1"]);
      const b = await other.records.get(["report", "r1"]);
      expect(a?.data).toEqual(b?.data);
      expect(a?.data).toMatchObject({ description: "from A", severity: 3 });
      expect((await d.meta.get("last_sync"))?.value).toBeTruthy();
    } finally {
      other.close();
      await other.delete();
    }
  });
});

/** The sync API over HTTP, answered by the fake server: what httpTransport talks to. */
function syncFetch(urls: string[] = []) {
  return async (url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const u = new URL(String(url), "http://phone");
    urls.push(`${init?.method ?? "GET"} ${u.pathname}${u.search}`);
    if (u.pathname === "/api/sync/push" && init?.method === "POST") {
      return Response.json(await server.push(JSON.parse(String(init.body))));
    }
    if (u.pathname === "/api/sync/pull") {
      return Response.json(await server.pull(u.searchParams.get("cursor") ?? undefined, Number(u.searchParams.get("limit"))));
    }
    if (u.pathname.startsWith("/api/photos/")) return new Response(null, { status: 404 });
    return new Response(null, { status: 500 });
  };
}

async function logIn() {
  await setMeta(d, META.session, { user: { id: 1, username: "u" }, access_token: "a", refresh_token: "r" });
}

describe("sync over HTTP", () => {
  it("pushes as JSON, pulling in the same request, and pulls from the saved cursor", async () => {
    await logIn();
    const urls: string[] = [];
    const api = new ApiClient(d, syncFetch(urls));
    await create("r1", { description: "drain blocked" });
    await syncOnce(d, api, NODE);
    expect(server.records.get("report/r1")?.data.description).toBe("drain blocked");
    expect(urls).toEqual(["POST /api/sync/push"]);
    urls.length = 0;
    await syncOnce(d, api, NODE);
    expect(urls).toEqual(["GET /api/sync/pull?limit=200&cursor=1"]);
  });

  it("records why a sync failed, keeping the outbox", async () => {
    await logIn();
    const api = new ApiClient(d, async () => new Response(JSON.stringify({ error: { code: "server_busy", message: "try later" } }), { status: 503 }));
    await create("r1");
    await expect(syncOnce(d, api, NODE)).rejects.toMatchObject({ code: "server_busy" });
    expect((await getMeta<{ code: string; message: string }>(d, META.lastSyncError))).toMatchObject({ code: "server_busy", message: "try later" });
    const [item] = await d.outbox.toArray();
    expect(item.lastError).toEqual({ code: "server_busy", message: "try later" });
    expect(item.status).toBe("pending");
  });

  it("names a failure that is not the server's answer", async () => {
    await create("r1");
    const broken = { push: async () => Promise.reject(new Error("socket hang up")), pull: server.pull.bind(server) };
    await expect(pushOutbox(d, broken, NODE)).rejects.toThrow("socket hang up");
    expect((await d.outbox.toArray())[0].lastError).toEqual({ code: "error", message: "socket hang up" });
  });

  it("does not push or pull when photos cannot go up because the phone is offline", async () => {
    await logIn();
    await storePhoto(d, { sha: "a".repeat(64), blob: new Blob(["jpeg"]) });
    await create("r1");
    const api = new ApiClient(d, async () => {
      throw new TypeError("Failed to fetch");
    });
    const pushes = server.pushes;
    await expect(syncOnce(d, api, NODE, server)).rejects.toMatchObject({ status: 0, code: "network" });
    expect(server.pushes).toBe(pushes);
    expect(await d.outbox.count()).toBe(1);
    expect(await getMeta(d, META.lastSyncError)).toMatchObject({ code: "network" });
  });

  it("goes on with the records when the server refuses a photo, and says so", async () => {
    await logIn();
    await storePhoto(d, { sha: "b".repeat(64), blob: new Blob(["jpeg"]) });
    await create("r1", { description: "x" });
    const api = new ApiClient(d, async (_url, init) =>
      init?.method === "HEAD"
        ? new Response(null, { status: 404 })
        : new Response(JSON.stringify({ error: { code: "hash_mismatch", message: "bad bytes" } }), { status: 400 }),
    );
    const report = await syncOnce(d, api, NODE, server);
    expect(report).toMatchObject({ applied: 1, pulled: 1, photosUploaded: 0, photosFailed: 1 });
    expect(await d.outbox.count()).toBe(0);
    expect(await getMeta(d, META.lastSyncError)).toEqual({ code: "hash_mismatch", message: "bad bytes" });
    expect(await getMeta(d, META.lastSync)).toMatchObject({ report: { applied: 1, pulled: 1, photosFailed: 1 } });
  });

  it("clears the last error after a clean sync", async () => {
    await logIn();
    await setMeta(d, META.lastSyncError, { code: "network", message: "x" });
    await syncOnce(d, new ApiClient(d, syncFetch()), NODE);
    expect(await getMeta(d, META.lastSyncError)).toBeNull();
  });
});

describe("push and pull against awkward servers", () => {
  it("stops pushing when the server answers for none of the batch", async () => {
    await create("r1");
    await create("r2");
    let pushes = 0;
    const silent = { push: async () => (pushes++, { results: [], cursor: "0", hlc: "" }), pull: server.pull.bind(server) };
    const summary = await pushOutbox(d, silent as never, NODE);
    expect(summary.unanswered).toBe(2);
    expect(pushes).toBe(1);
    expect(await d.outbox.count()).toBe(2);
  });

  it("keeps the answer when someone else acted first", async () => {
    const m = await create("r1");
    const racing = {
      push: async () => ({ results: [{ id: m.id, status: "conflict" as const, version: 2, conflict: { field: "status", by: "lead" } }], cursor: "0", hlc: "" }),
      pull: server.pull.bind(server),
    };
    await pushOutbox(d, racing, NODE);
    expect(await outcomesFor(d, "r1")).toMatchObject([{ mutationId: m.id, conflict: { field: "status", by: "lead" } }]);
  });

  it("stops pulling when the cursor does not move", async () => {
    let pulls = 0;
    const stuck = { push: server.push.bind(server), pull: async () => (pulls++, { changes: [], cursor: "7", more: true, hlc: "" }) };
    await setMeta(d, META.cursor, "7");
    expect(await pullChanges(d, stuck, NODE)).toBe(0);
    expect(pulls).toBe(1);
  });

  it("pulls once more only while the server says there is more", async () => {
    await server.push({ device_id: "other", mutations: [{ id: "x", entity: "visit", entity_id: "v", op: "create", hlc: "", base_version: null, data: {} }] });
    let pulls = 0;
    const counting = { push: server.push.bind(server), pull: (c: string | undefined, l: number) => (pulls++, server.pull(c, l)) };
    expect(await pullChanges(d, counting, NODE)).toBe(1);
    expect(pulls).toBe(1);
  });

  it("takes a page without changes", async () => {
    const empty = { push: server.push.bind(server), pull: async () => ({ cursor: "3", more: false, hlc: "" }) as never };
    expect(await pullChanges(d, empty, NODE)).toBe(0);
    expect(await getMeta(d, META.cursor)).toBe("3");
  });
});

describe("a phone clock that ran far ahead", () => {
  const YEAR = 365 * 86_400_000;
  const stampWall = (hlc: string) => parseHlc(hlc).wall;

  async function runAhead() {
    await setMeta(d, META.hlc, { last: formatHlc({ wall: server.wall + YEAR, counter: 0, node: NODE }), offsetMs: 0 });
  }

  it("is brought back to the server's time after a complete pull with nothing left to send", async () => {
    await runAhead();
    await pullChanges(d, server, NODE);
    const m = await create("r1");
    expect(stampWall(m.hlc)).toBeLessThan(server.wall + 3_600_000);
  });

  it("is left ahead while something it stamped waits in the outbox", async () => {
    await runAhead();
    const waiting = await create("r0");
    await pullChanges(d, server, NODE);
    const m = await create("r1");
    expect(m.hlc > waiting.hlc).toBe(true);
  });

  it("is left ahead until the last page of a pull", async () => {
    await runAhead();
    for (let i = 0; i < 3; i++) {
      await server.push({ device_id: "other", mutations: [{ id: `x${i}`, entity: "visit", entity_id: `v${i}`, op: "create", hlc: "", base_version: null, data: {} }] });
    }
    const stamps: number[] = [];
    const watching = {
      push: server.push.bind(server),
      pull: async (c: string | undefined, l: number) => {
        stamps.push(stampWall((await getMeta<{ last: string }>(d, META.hlc))!.last));
        return server.pull(c, l);
      },
    };
    await pullChanges(d, watching, NODE, 1);
    // Before each page after the first, the clock is still a year ahead.
    expect(stamps.slice(1).every((w) => w > server.wall + YEAR / 2)).toBe(true);
    expect(stampWall((await create("r1")).hlc)).toBeLessThan(server.wall + 3_600_000);
  });

  it("is brought back by a push whose pull was complete and left nothing to send", async () => {
    await runAhead();
    await create("r1");
    await pushOutbox(d, server, NODE);
    expect(stampWall((await create("r2")).hlc)).toBeLessThan(server.wall + 3_600_000);
  });

  it("is not brought back by a push that did not pull, so a later edit still orders after an earlier one", async () => {
    // Just-answered mutations are not pulled yet; a push whose answer carries a complete pull is a pull too.
    server.pullsWithPush = false;
    await runAhead();
    await create("r1");
    const earlier = await create("r2");
    await pushOutbox(d, server, NODE, 1);
    const later = await create("r3");
    expect(later.hlc > earlier.hlc).toBe(true);
  });
});

describe("photos when the session has ended", () => {
  it("stop the sync before any record is sent", async () => {
    await logIn();
    await storePhoto(d, { sha: "c".repeat(64), blob: new Blob(["jpeg"]) });
    await create("r1");
    const api = new ApiClient(d, async () => Response.json({ error: { code: "token_revoked", message: "" } }, { status: 401 }));
    const pushes = server.pushes;
    await expect(syncOnce(d, api, NODE, server)).rejects.toMatchObject({ status: 401 });
    expect(server.pushes).toBe(pushes);
  });
});
