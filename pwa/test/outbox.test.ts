import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { applyPulled, discardRejected, enqueue, nextBatch, retryRejected, settle } from "../src/sync/outbox";
import { freshDb, fakeClock } from "./helpers";

const NODE = "dev-1";
let d: GridwalkDB;

beforeEach(() => {
  d = freshDb();
});
afterEach(async () => {
  d.close();
  await d.delete();
});

describe("enqueue", () => {
  it("keeps mutations in the order they were made, stamped with increasing HLCs", async () => {
    const clock = fakeClock();
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: { description: "a" } }, clock.now);
    const b = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "update", data: { description: "b" } }, clock.now);
    const c = await enqueue(d, NODE, { entity: "visit", entity_id: "v1", op: "create", data: { notes: "c" } }, clock.now);
    const batch = await nextBatch(d, 10);
    expect(batch.map((i) => i.id)).toEqual([a.id, b.id, c.id]);
    expect(a.hlc < b.hlc && b.hlc < c.hlc).toBe(true);
    expect(a.hlc.endsWith(`:${NODE}`)).toBe(true);
  });

  it("updates the record view in the same step", async () => {
    await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: { description: "a", device_time: "2024-01-01T00:00:00Z" } });
    const rec = await d.records.get(["report", "r1"]);
    expect(rec?.data).toMatchObject({ description: "a", status: "open" });
    expect(rec?.pending).toBe(1);
    expect(rec?.sortAt).toBe("2024-01-01T00:00:00Z");
  });

  it("bases an edit on the last server version known", async () => {
    await applyPulled(d, [{ entity: "report", entity_id: "r9", version: 4, deleted: false, data: { description: "x" } }], "c1");
    const m = await enqueue(d, NODE, { entity: "report", entity_id: "r9", op: "update", data: { description: "y" } });
    expect(m.base_version).toBe(4);
  });

  it("limits a batch", async () => {
    for (let i = 0; i < 5; i++) await enqueue(d, NODE, { entity: "checkin", entity_id: `c${i}`, op: "create", data: {} });
    expect(await nextBatch(d, 3)).toHaveLength(3);
  });
});

describe("settle", () => {
  it("removes an item only when the server answered for it", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    const b = await enqueue(d, NODE, { entity: "report", entity_id: "r2", op: "create", data: {} });
    const batch = await nextBatch(d, 10);
    const summary = await settle(d, batch, [{ id: a.id, status: "applied", version: 1 }]);
    expect(summary).toMatchObject({ applied: 1, unanswered: 1 });
    expect((await d.outbox.toArray()).map((i) => i.id)).toEqual([b.id]);
    expect((await d.records.get(["report", "r1"]))?.version).toBe(1);
    expect((await d.records.get(["report", "r1"]))?.pending).toBe(0);
  });

  it("treats duplicate and conflict answers as answered", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    const b = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "update", data: { severity: 2 } });
    await settle(d, await nextBatch(d, 10), [
      { id: a.id, status: "duplicate", version: 1 },
      { id: b.id, status: "conflict", version: 2, conflict: { field: "severity" } },
    ]);
    expect(await d.outbox.count()).toBe(0);
  });

  it("keeps a rejected item, marked, and stops sending it", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: { description: "keep me" } });
    await settle(d, await nextBatch(d, 10), [{ id: a.id, status: "rejected", error: { code: "validation_error", message: "bad" } }]);
    const items = await d.outbox.toArray();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: "rejected", lastError: { code: "validation_error" } });
    expect(await nextBatch(d, 10)).toHaveLength(0);
    const rec = await d.records.get(["report", "r1"]);
    expect(rec?.rejected).toBe(true);
    expect(rec?.data.description).toBe("keep me");
  });

  it("is idempotent when the same answers arrive twice", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    const batch = await nextBatch(d, 10);
    await settle(d, batch, [{ id: a.id, status: "applied", version: 1 }]);
    await settle(d, batch, [{ id: a.id, status: "duplicate", version: 1 }]);
    expect(await d.outbox.count()).toBe(0);
    expect((await d.records.get(["report", "r1"]))?.version).toBe(1);
  });
});

describe("rejected items", () => {
  it("retry puts the item back in line with a new mutation id", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    await settle(d, await nextBatch(d, 10), [{ id: a.id, status: "rejected", error: { code: "x", message: "" } }]);
    const [item] = await d.outbox.toArray();
    await retryRejected(d, NODE, item.seq!);
    const [again] = await nextBatch(d, 10);
    expect(again.seq).toBe(item.seq);
    expect(again.id).not.toBe(a.id);
    expect(again.mutation.hlc > a.hlc).toBe(true);
  });

  it("discarding a rejected create removes the record that exists nowhere else", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    await settle(d, await nextBatch(d, 10), [{ id: a.id, status: "rejected", error: { code: "x", message: "" } }]);
    const [item] = await d.outbox.toArray();
    await discardRejected(d, item.seq!);
    expect(await d.records.get(["report", "r1"])).toBeUndefined();
  });
});

describe("applyPulled", () => {
  it("merges pulled state with pending local edits", async () => {
    await applyPulled(d, [{ entity: "report", entity_id: "r1", version: 1, deleted: false, data: { description: "v1", severity: 1, status: "open" } }], "c1");
    await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "update", data: { severity: 3 } });
    await applyPulled(d, [{ entity: "report", entity_id: "r1", version: 2, deleted: false, data: { description: "v2 by lead", severity: 1, status: "open" } }], "c2");
    const rec = await d.records.get(["report", "r1"]);
    expect(rec?.data).toMatchObject({ description: "v2 by lead", severity: 3 });
    expect(rec?.pulledVersion).toBe(2);
    expect((await d.meta.get("cursor"))?.value).toBe("c2");
  });

  it("ignores a change older than what was already pulled", async () => {
    await applyPulled(d, [{ entity: "visit", entity_id: "v1", version: 3, deleted: false, data: { notes: "new" } }], "c1");
    await applyPulled(d, [{ entity: "visit", entity_id: "v1", version: 2, deleted: false, data: { notes: "old" } }], "c2");
    expect((await d.records.get(["visit", "v1"]))?.data.notes).toBe("new");
  });

  it("applies tombstones", async () => {
    await applyPulled(d, [{ entity: "visit", entity_id: "v1", version: 1, deleted: false, data: { notes: "x" } }], "c1");
    await applyPulled(d, [{ entity: "visit", entity_id: "v1", version: 2, deleted: true, data: null }], "c2");
    expect((await d.records.get(["visit", "v1"]))?.deleted).toBe(true);
  });
});
