/** How records look on the phone: merging our edits, kept answers, people, notifications. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GridwalkDB, OutboxItem } from "../src/db/schema";
import { META, setMeta } from "../src/db/meta";
import { chunkPlan, fitWithin } from "../src/photos/geometry";
import { ApiClient } from "../src/sync/api";
import { correctedNow, loadClock, observeServer } from "../src/sync/clock";
import { ENTITIES, entitySpec, mayDo } from "../src/sync/entities";
import { formatHlc } from "../src/sync/hlc";
import { applyMutation, applySetPatch, mergePending } from "../src/sync/merge";
import type { Mutation } from "../src/sync/mutation";
import { loadNotifications, refreshNotifications } from "../src/sync/notifications";
import { dismissOutcome, noteOutcomes, outcomesFor } from "../src/sync/outcomes";
import { knownPeople, refreshPeople, withNames } from "../src/sync/people";
import { freshDb, freshDbEachTest } from "./helpers";

const m = (entity: string, op: string, data: Record<string, unknown> = {}, id = "m"): Mutation => ({
  id,
  entity,
  entity_id: "x",
  op,
  hlc: "",
  base_version: null,
  data,
});

describe("our edits laid over the server's record", () => {
  it("leave a set alone for a patch that is neither a list nor add/remove", () => {
    expect(applySetPatch(["a"], null)).toEqual(["a"]);
    expect(applySetPatch(["a"], "b")).toEqual(["a"]);
    expect(applySetPatch(["a", "b"], { remove: ["a"] })).toEqual(["b"]);
    expect(applySetPatch(["a"], { add: ["c"] })).toEqual(["a", "c"]);
  });

  it("keep a record of an entity this phone does not know, field by field", () => {
    expect(applyMutation(null, m("gadget", "create", { a: 1 }))).toEqual({ data: { a: 1 }, deleted: false });
    expect(applyMutation({ data: { a: 1 }, deleted: false }, m("gadget", "tweak", { b: 2 }))).toEqual({ data: { a: 1, b: 2 }, deleted: false });
  });

  it("bring back a deleted record that is created again, and keep a deletion through edits", () => {
    expect(applyMutation({ data: { a: 1 }, deleted: true }, m("visit", "create", { notes: "again" }))).toEqual({ data: { a: 1, notes: "again" }, deleted: false });
    const gone = mergePending(null, [m("visit", "create", { notes: "x" }), m("visit", "delete"), m("visit", "update", { notes: "y" }), m("report", "solve")]);
    expect(gone?.deleted).toBe(true);
    expect(applyMutation(null, m("report", "update", { description: "x" }))).toEqual({ data: { description: "x" }, deleted: false });
  });

  it("show an op's target state, and an op with no state machine changes only fields", () => {
    expect(applyMutation({ data: { status: "resolved" }, deleted: false }, m("ticket", "verify", { fixed: false })).data).toEqual({ status: "reopened" });
    expect(applyMutation({ data: { status: "resolved" }, deleted: false }, m("ticket", "verify", { fixed: true })).data.status).toBe("verified");
    expect(applyMutation({ data: { notes: "a" }, deleted: false }, m("visit", "solve", { x: 1 })).data).toEqual({ notes: "a", x: 1 });
    expect(applyMutation({ data: { status: "open" }, deleted: false }, m("report", "comment", { note: "hi" })).data).toEqual({ status: "open", note: "hi" });
  });
});

describe("the shared entity rules", () => {
  it("name every entity the phone syncs under its own name", () => {
    for (const [name, spec] of Object.entries(ENTITIES)) expect(spec.name).toBe(name);
    expect(entitySpec("report")?.stateMachine?.field).toBe("status");
  });

  it("allow nobody an op the table does not list", () => {
    expect(mayDo("patroller", "report", "no_such_op")).toBe(false);
    expect(mayDo("patroller", "no_such_entity", "create")).toBe(false);
    expect(mayDo("patroller", "report", "create")).toBe(true);
  });
});

describe("kept answers", () => {
  let d: GridwalkDB;
  freshDbEachTest((db) => (d = db));
  const sent = (id: string, entityId: string): OutboxItem => ({
    id,
    entity_id: entityId,
    mutation: { ...m("ticket", "approve", {}, id), entity_id: entityId },
    status: "pending",
    attempts: 1,
    createdAt: "",
  });

  it("are kept per record, newest first, once each, until read", async () => {
    await noteOutcomes(d, [sent("m1", "t1")], [{ id: "m1", status: "conflict" }], "2026-01-01T00:00:00Z");
    await noteOutcomes(d, [sent("m2", "t2")], [{ id: "m2", status: "applied" }], "2026-01-01T00:01:00Z");
    await noteOutcomes(d, [sent("m1", "t1"), sent("m3", "t1")], [{ id: "m1", status: "conflict", conflict: { by: "lead" } }, { id: "m3", status: "conflict" }], "2026-01-01T00:02:00Z");
    expect((await outcomesFor(d, "t1")).map((o) => [o.mutationId, o.conflict])).toEqual([
      ["m1", { by: "lead" }],
      ["m3", null],
    ]);
    expect(await outcomesFor(d, "t2")).toEqual([]);
    await dismissOutcome(d, "m1");
    expect((await outcomesFor(d, "t1")).map((o) => o.mutationId)).toEqual(["m3"]);
  });

  it("keep the fifty newest", async () => {
    for (let i = 0; i < 52; i++) await noteOutcomes(d, [sent(`m${i}`, "t")], [{ id: `m${i}`, status: "conflict" }]);
    const kept = await outcomesFor(d, "t");
    expect(kept).toHaveLength(50);
    expect(kept[0].mutationId).toBe("m51");
    await dismissOutcome(d, "none");
    expect(await outcomesFor(d, "t")).toHaveLength(50);
  });

  it("are not written for a batch without conflicts", async () => {
    let writes = 0;
    d.meta.hook("creating", () => void writes++);
    await noteOutcomes(d, [sent("m1", "t1")], [{ id: "m1", status: "applied" }, { id: "other", status: "conflict" }]);
    expect(writes).toBe(0);
    await dismissOutcome(d, "m1");
    expect(await outcomesFor(d, "t1")).toEqual([]);
  });
});

describe("people and notifications", () => {
  let d: GridwalkDB;
  let answers: Record<string, unknown>;
  let api: ApiClient;
  beforeEach(async () => {
    d = freshDb();
    answers = {};
    api = new ApiClient(d, async (url) => Response.json(answers[String(url).replace(/^\/api/, "")] ?? {}));
    await setMeta(d, META.session, { user: { id: 1, username: "u" }, access_token: "a", refresh_token: "r" });
  });
  afterEach(async () => {
    d.close();
    await d.delete();
  });

  it("are kept from the server, and nothing when it sends none", async () => {
    answers["/people"] = { people: [{ username: "wang", display_name: "王芳", role: "patroller" }] };
    expect(await refreshPeople(d, api)).toHaveLength(1);
    await setMeta(d, META.team, { grid: { id: 1, code: "g", name: "g" }, members: [{ username: "li", display_name: "李", role: "lead" }] });
    expect((await knownPeople(d)).map((p) => p.username).sort()).toEqual(["li", "wang"]);
    answers["/people"] = { people: "nobody" };
    expect(await refreshPeople(d, api)).toEqual([]);
    expect((await knownPeople(d)).map((p) => p.username)).toEqual(["li"]);

    answers["/notifications?limit=100"] = { notifications: [{ id: "n1" }] };
    expect((await refreshNotifications(d, api, () => new Date("2026-01-01T00:00:00Z"))).items).toHaveLength(1);
    expect(await loadNotifications(d)).toEqual({ fetchedAt: "2026-01-01T00:00:00.000Z", items: [{ id: "n1" }] });
    answers["/notifications?limit=100"] = {};
    expect((await refreshNotifications(d, api)).items).toEqual([]);
  });

  it("start empty before the first sync", async () => {
    expect(await loadNotifications(d)).toEqual({ fetchedAt: "", items: [] });
    expect(await knownPeople(d)).toEqual([]);
  });

  it("learn names from elsewhere without a role", () => {
    const people = [{ username: "wang", display_name: "王芳", role: "patroller" }];
    expect(withNames(people, undefined)).toEqual(people);
    expect(withNames(people, undefined)).not.toBe(people);
    expect(withNames(people, { wang: "Wang", zhao: "赵" })).toEqual([...people, { username: "zhao", display_name: "赵", role: "" }]);
  });
});

describe("the phone's clock", () => {
  let d: GridwalkDB;
  freshDbEachTest((db) => (d = db));

  it("starts fresh from a saved shape it does not know, and keeps a fresh one", async () => {
    await setMeta(d, META.hlc, { last: 12, offsetMs: 5 });
    expect((await loadClock(d, "dev-1", () => 1000)).state()).toMatchObject({ last: null, offsetMs: 0 });
    await setMeta(d, META.hlc, { last: null, offsetMs: 5 });
    expect((await loadClock(d, "dev-1", () => 1000)).state()).toMatchObject({ offsetMs: 5 });
  });

  it("follows the server's time, and ignores an answer without a usable stamp", async () => {
    const phone = () => 1_000_000;
    await observeServer(d, "dev-1", undefined, false, phone);
    await observeServer(d, "dev-1", "not a stamp", false, phone);
    expect(await d.meta.get(META.hlc)).toBeUndefined();
    await observeServer(d, "dev-1", formatHlc({ wall: 1_060_000, counter: 0, node: "server" }), false, phone);
    expect(await correctedNow(d, "dev-1", phone)).toBe(1_060_000);
  });
});

describe("photo sizes and chunks", () => {
  it("refuse images and chunk sizes of nothing", () => {
    expect(() => fitWithin(10, 0)).toThrow("empty image");
    expect(fitWithin(1600, 1200)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(1, 1)).toEqual({ width: 1, height: 1 });
    expect(() => chunkPlan(10, 0, 0)).toThrow("chunk size must be positive");
  });
});
