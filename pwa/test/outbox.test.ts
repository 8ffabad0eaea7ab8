import { describe, expect, it } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { outboxCount } from "../src/db/queries";
import { applyPulled, discardRejected, enqueue, nextBatch, retryRejected, settle } from "../src/sync/outbox";
import { freshDbEachTest, fakeClock } from "./helpers";

const NODE = "dev-1";
let d: GridwalkDB;

freshDbEachTest((db) => (d = db));

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

describe("the record list", () => {
  it("orders each kind of record by its own time", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["checkin", { at: "2026-03-01T08:00:00Z" }, "2026-03-01T08:00:00Z"],
      ["visit", { visited_at: "2026-03-02T09:00:00Z" }, "2026-03-02T09:00:00Z"],
      ["ticket", { created_at: "2026-03-03T10:00:00Z" }, "2026-03-03T10:00:00Z"],
      ["notice", { for_day: "2026-03-04" }, "2026-03-04"],
    ];
    for (const [entity, data, sortAt] of cases) {
      await applyPulled(d, [{ entity, entity_id: `${entity}-1`, version: 1, deleted: false, data }], "c");
      expect((await d.records.get([entity, `${entity}-1`]))?.sortAt, entity).toBe(sortAt);
    }
  });

  it("lists a record without a usable time last", async () => {
    await applyPulled(d, [{ entity: "report", entity_id: "r1", version: 1, deleted: false, data: { device_time: 1700000000 } }], "c");
    await applyPulled(d, [{ entity: "widget", entity_id: "w1", version: 1, deleted: false, data: { device_time: "2026-01-01" } }], "c");
    expect((await d.records.get(["report", "r1"]))?.sortAt).toBe("");
    expect((await d.records.get(["widget", "w1"]))?.sortAt).toBe("");
  });

  it("keeps two kinds of record that share an id apart", async () => {
    await enqueue(d, NODE, { entity: "report", entity_id: "x1", op: "create", data: { description: "report" } });
    await enqueue(d, NODE, { entity: "visit", entity_id: "x1", op: "create", data: { notes: "visit" } });
    const report = await d.records.get(["report", "x1"]);
    const visit = await d.records.get(["visit", "x1"]);
    expect(report?.data.notes).toBeUndefined();
    expect(visit?.data.description).toBeUndefined();
    expect(report?.pending).toBe(1);
    expect(visit?.pending).toBe(1);
  });

  it("marks a record whose edits were partly refused", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: { description: "x" } });
    await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "update", data: { severity: 9 } });
    const batch = await nextBatch(d, 10);
    await settle(d, batch.slice(1), [{ id: batch[1].id, status: "rejected" }]);
    const rec = await d.records.get(["report", "r1"]);
    expect(rec?.rejected).toBe(true);
    expect(rec?.pending).toBe(2);
    expect(a.base_version).toBeNull();
  });

  it("never bases a create on a version, even over a record already known", async () => {
    await applyPulled(d, [{ entity: "report", entity_id: "r9", version: 4, deleted: false, data: { description: "x" } }], "c1");
    const m = await enqueue(d, NODE, { entity: "report", entity_id: "r9", op: "create", data: { description: "y" } });
    expect(m.base_version).toBeNull();
  });

  it("counts what waits for an answer, refused items included", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    await enqueue(d, NODE, { entity: "report", entity_id: "r2", op: "create", data: {} });
    await settle(d, await nextBatch(d, 1), [{ id: a.id, status: "rejected" }]);
    expect(await outboxCount(d)).toBe(2);
  });
});

describe("settling answers", () => {
  it("updates every record of a batch", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    const b = await enqueue(d, NODE, { entity: "report", entity_id: "r2", op: "create", data: {} });
    await settle(d, await nextBatch(d, 10), [
      { id: a.id, status: "applied", version: 1 },
      { id: b.id, status: "applied", version: 3 },
    ]);
    expect((await d.records.get(["report", "r1"]))?.version).toBe(1);
    expect((await d.records.get(["report", "r2"]))?.version).toBe(3);
    expect((await d.records.get(["report", "r2"]))?.pending).toBe(0);
  });

  it("says 'rejected' when the server refuses without a reason", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    await settle(d, await nextBatch(d, 10), [{ id: a.id, status: "rejected" }]);
    expect((await d.outbox.toArray())[0].lastError).toEqual({ code: "rejected", message: "" });
  });

  it("never moves a record's version back, nor loses it to an answer without one", async () => {
    await applyPulled(d, [{ entity: "report", entity_id: "r1", version: 5, deleted: false, data: { description: "x" } }], "c1");
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "update", data: { severity: 1 } });
    await settle(d, await nextBatch(d, 10), [{ id: a.id, status: "duplicate", version: 3 }]);
    expect((await d.records.get(["report", "r1"]))?.version).toBe(5);
    const b = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "update", data: { severity: 2 } });
    expect(b.base_version).toBe(5);
    await settle(d, await nextBatch(d, 10), [{ id: b.id, status: "duplicate" }]);
    expect((await d.records.get(["report", "r1"]))?.version).toBe(5);
  });

  it("keeps what was pulled under an accepted edit until the next pull", async () => {
    await applyPulled(d, [{ entity: "report", entity_id: "r1", version: 1, deleted: false, data: { description: "pulled", severity: 1 } }], "c1");
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "update", data: { severity: 3 } });
    await settle(d, await nextBatch(d, 10), [{ id: a.id, status: "applied", version: 2 }]);
    const rec = await d.records.get(["report", "r1"]);
    expect(rec?.data).toMatchObject({ description: "pulled", severity: 3 });
    expect(rec?.server?.data).toMatchObject({ description: "pulled", severity: 3 });
  });
});

describe("retry and discard touch only refused items", () => {
  it("leaves a pending item as it is", async () => {
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: { description: "x" } });
    const [item] = await d.outbox.toArray();
    await retryRejected(d, NODE, item.seq!);
    await discardRejected(d, item.seq!);
    await retryRejected(d, NODE, 999);
    await discardRejected(d, 999);
    const items = await d.outbox.toArray();
    expect(items).toHaveLength(1);
    expect(items[0].id).toBe(a.id);
    expect((await d.records.get(["report", "r1"]))?.data.description).toBe("x");
  });

  it("discarding a refused edit brings back the server's value", async () => {
    await applyPulled(d, [{ entity: "report", entity_id: "r1", version: 1, deleted: false, data: { severity: 1 } }], "c1");
    const a = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "update", data: { severity: 9 } });
    await settle(d, await nextBatch(d, 10), [{ id: a.id, status: "rejected" }]);
    expect((await d.records.get(["report", "r1"]))?.data.severity).toBe(9);
    const [item] = await d.outbox.toArray();
    await discardRejected(d, item.seq!);
    const rec = await d.records.get(["report", "r1"]);
    expect(rec?.data.severity).toBe(1);
    expect(rec?.rejected).toBe(false);
    expect(await d.outbox.count()).toBe(0);
  });
});

describe("a record waiting to be sent", () => {
  it("is not marked refused", async () => {
    await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: {} });
    expect((await d.records.get(["report", "r1"]))?.rejected).toBe(false);
  });
});
