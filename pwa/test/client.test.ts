import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { ApiClient } from "../src/sync/api";
import { pullChanges, pushOutbox, syncOnce } from "../src/sync/client";
import { parseHlc } from "../src/sync/hlc";
import { enqueue } from "../src/sync/outbox";
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
