import { describe, expect, it } from "vitest";
import {
  getRecords,
  outboxCount,
  outboxCountOf,
  outboxItems,
  outboxItemsOf,
  recordIdsOf,
  recordsOf,
  rejectedItemsOf,
} from "../src/db/queries";
import type { GridwalkDB } from "../src/db/schema";
import { applyPulled, enqueue, nextBatch, settle } from "../src/sync/outbox";
import { freshDbEachTest } from "./helpers";

const NODE = "dev-1";
let d: GridwalkDB;

freshDbEachTest((db) => (d = db));

describe("outbox queries", () => {
  it("list what waits to be sent oldest first, all of it or only the entities a screen shows", async () => {
    const report = await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: { description: "a" } });
    const ticket = await enqueue(d, NODE, { entity: "ticket", entity_id: "t1", op: "create", data: { title: "b" } });
    const notice = await enqueue(d, NODE, { entity: "notice", entity_id: "n1", op: "create", data: { title: "c" } });
    expect((await outboxItems(d)).map((i) => i.id)).toEqual([report.id, ticket.id, notice.id]);
    expect((await outboxItemsOf(d, new Set(["notice", "ticket"]))).map((i) => i.id)).toEqual([ticket.id, notice.id]);
    expect(await outboxCount(d)).toBe(3);
    expect(await outboxCountOf(d, new Set(["ticket", "notification"]))).toBe(1);
  });

  it("name a record's refused actions, and not those still waiting or of another record", async () => {
    const refused = await enqueue(d, NODE, { entity: "ticket", entity_id: "t1", op: "create", data: { title: "a" } });
    await enqueue(d, NODE, { entity: "ticket", entity_id: "t2", op: "create", data: { title: "b" } });
    const [first] = await nextBatch(d, 1);
    await settle(d, [first], [{ id: refused.id, status: "rejected", error: { code: "forbidden", message: "no" } }]);
    await enqueue(d, NODE, { entity: "ticket", entity_id: "t1", op: "update", data: { title: "c" } });
    const items = await rejectedItemsOf(d, "t1");
    expect(items.map((i) => i.id)).toEqual([refused.id]);
    expect(items[0].lastError?.code).toBe("forbidden");
    expect(await rejectedItemsOf(d, "t2")).toEqual([]);
  });
});

describe("record queries", () => {
  it("give every record of an entity, deleted ones too, and their ids", async () => {
    await applyPulled(
      d,
      [
        { entity: "conflict", entity_id: "c1", version: 1, deleted: false, data: { resolution: "kept" } },
        { entity: "conflict", entity_id: "c2", version: 2, deleted: true, data: {} },
        { entity: "ticket", entity_id: "t1", version: 3, deleted: false, data: { title: "a" } },
      ],
      "cursor-1",
    );
    expect((await recordsOf(d, "conflict")).map((r) => [r.entity_id, r.deleted])).toEqual([
      ["c1", false],
      ["c2", true],
    ]);
    expect(await recordIdsOf(d, "conflict")).toEqual(["c1", "c2"]);
    expect(await recordIdsOf(d, "notice")).toEqual([]);
  });

  it("read records by id in the order asked, with a gap for one this phone lacks", async () => {
    await enqueue(d, NODE, { entity: "report", entity_id: "r1", op: "create", data: { description: "one" } });
    await enqueue(d, NODE, { entity: "report", entity_id: "r2", op: "create", data: { description: "two" } });
    const rows = await getRecords(d, "report", ["r2", "missing", "r1"]);
    expect(rows.map((r) => r?.data.description)).toEqual(["two", undefined, "one"]);
  });
});
