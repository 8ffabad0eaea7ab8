import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getMeta, setMeta } from "../src/db/meta";
import type { GridwalkDB, RecordRow } from "../src/db/schema";
import { ApiClient, type Session } from "../src/sync/api";
import { absorbTickets, loadDossier, loadGrids, loadTickets, refreshDossier, refreshGrids, refreshTickets, ticketData, type TicketItem } from "../src/sync/desk";
import { TICKET_STATUS, mayDo } from "../src/sync/entities";
import { markRead, notificationView, type AppNotification } from "../src/sync/notifications";
import { dismissOutcome, noteOutcomes, outcomesFor } from "../src/sync/outcomes";
import { applyPulled, enqueue, nextBatch, settle } from "../src/sync/outbox";
import { knownPeople, withNames } from "../src/sync/people";
import { approveTickets, dispatchTickets, editTicket, offered, resolveTicket, returnTicket, sendBack, verifyTicket, type TicketOp } from "../src/sync/ticketCommands";
import {
  colourCounts,
  deskTickets,
  filterTickets,
  inbox,
  msLeft,
  queue,
  serverNow,
  sortTickets,
  suggestDepartment,
  ticketNumber,
  type DeskTicket,
} from "../src/ui/desk/model";
import { DESK_CATALOGUES, dt, durationText } from "../src/ui/desk/words";
import { freshDb, freshDbEachTest } from "./helpers";

const NODE = "desk-1";
const HOUR = 3_600_000;

function item(id: string, over: Partial<TicketItem> = {}): TicketItem {
  return {
    id,
    grid_id: 1,
    version: 3,
    department_id: null,
    created_at: "2026-11-20T01:00:00+00:00",
    updated_at: "2026-11-20T01:00:00+00:00",
    color: "green",
    status: "submitted",
    title: `ticket ${id}`,
    category: "sanitation",
    report_ids: [],
    photos: [],
    ...over,
  };
}

function rec(id: string, data: Record<string, unknown>, over: Partial<RecordRow> = {}): RecordRow {
  return { entity: "ticket", entity_id: id, version: 3, pulledVersion: 3, server: { data, deleted: false }, data, deleted: false, pending: 0, rejected: false, sortAt: "", ...over };
}

function desk(id: string, data: Record<string, unknown>, over: Partial<DeskTicket> = {}): DeskTicket {
  return { id, data, version: 1, pending: 0, rejected: false, colour: "green", createdAt: "2026-11-20T01:00:00Z", gridId: 1, ...over };
}

describe("the desk's words", () => {
  it("English covers every Chinese key and no more, with the same placeholders", () => {
    const zh = DESK_CATALOGUES["zh-CN"];
    const en = DESK_CATALOGUES.en;
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) expect(names(en[key]), key).toEqual(names(zh[key]));
  });

  it("says durations with their two largest units, in either language", () => {
    expect(durationText(-(3 * HOUR + 5 * 60_000), "zh-CN")).toBe("3小时5分钟");
    expect(durationText(2 * 24 * HOUR + 16 * HOUR + 59 * 60_000, "zh-CN")).toBe("2天16小时");
    expect(durationText(59 * 60_000, "en")).toBe("59 min");
    expect(durationText(25 * HOUR, "en")).toBe("1 d 1 h");
    expect(durationText(20_000, "en")).toBe("0 min");
    expect(dt("time.over", { t: "1小时" }, "zh-CN")).toBe("超期 1小时");
  });
});

describe("the desk's tickets", () => {
  const snapshot = { fetchedAt: "2026-11-20T10:00:00Z", serverNow: "2026-11-21T10:00:00Z", items: [item("a", { color: "red" }), item("b", { color: "orange" })] };

  it("shows this device's copy with its pending actions, coloured by the server's list", () => {
    const mine = rec("a", { status: "approved", title: "ticket a", grid_id: 1 }, { pending: 1, version: 3 });
    const [a, b] = deskTickets(snapshot, [mine]);
    expect(a).toMatchObject({ id: "a", colour: "red", pending: 1, gridId: 1 });
    expect(a.data.status).toBe("approved");
    // The server listed b, this device has not pulled it yet: shown as the server sent it.
    expect(b).toMatchObject({ id: "b", colour: "orange", version: 3 });
    expect(deskTickets(snapshot, [rec("a", {}, { deleted: true })]).map((t) => t.id)).toEqual(["b"]);
  });

  it("counts time from the server's supervision clock, not the desk's own", () => {
    const now = serverNow(snapshot, Date.parse("2026-11-20T10:30:00Z"));
    expect(new Date(now).toISOString()).toBe("2026-11-21T10:30:00.000Z");
    expect(msLeft("2026-11-21T09:30:00Z", now)).toBe(-HOUR);
    expect(msLeft(undefined, now)).toBeNull();
    expect(serverNow(undefined, 5)).toBe(5);
  });

  it("queues what the supervisor must act on, oldest first within each state", () => {
    const list = [
      desk("new", { status: "submitted" }, { createdAt: "2026-11-20T03:00:00Z" }),
      desk("old", { status: "submitted" }, { createdAt: "2026-11-20T01:00:00Z" }),
      desk("ok", { status: "approved" }),
      desk("back", { status: "sent_back" }),
      desk("busy", { status: "dispatched" }),
      desk("draft", { status: "draft" }),
    ];
    const q = queue(list);
    expect(q.submitted.map((t) => t.id)).toEqual(["old", "new"]);
    expect(q.approved.map((t) => t.id)).toEqual(["ok"]);
    expect(q.sent_back.map((t) => t.id)).toEqual(["back"]);
  });

  it("puts red first on the board, the nearest deadline first within a colour, finished work last", () => {
    const list = [
      desk("green", { status: "dispatched", due_at: "2026-11-20T05:00:00Z" }, { colour: "green" }),
      desk("red-late", { status: "dispatched", due_at: "2026-11-20T09:00:00Z" }, { colour: "red" }),
      desk("red-early", { status: "acknowledged", due_at: "2026-11-20T02:00:00Z" }, { colour: "red" }),
      desk("done", { status: "resolved", due_at: "2026-11-19T02:00:00Z" }, { colour: "red" }),
      desk("orange", { status: "dispatched", due_at: "2026-11-21T00:00:00Z" }, { colour: "orange" }),
    ];
    expect(sortTickets(list, "urgency").map((t) => t.id)).toEqual(["red-early", "red-late", "orange", "green", "done"]);
    expect(sortTickets(list, "due").map((t) => t.id)).toEqual(["done", "red-early", "green", "red-late", "orange"]);
    expect(colourCounts(list)).toEqual({ red: 2, orange: 1, yellow: 0, green: 1 });
  });

  it("filters by grid, category, colour, status, department and text; drafts never, closed only when asked", () => {
    const list = [
      desk("a", { status: "dispatched", category: "sanitation", department: 1, title: "7幢垃圾", place: "7幢门口" }, { gridId: 1, colour: "red" }),
      desk("b", { status: "submitted", category: "public_safety", title: "电线裸露" }, { gridId: 2 }),
      desk("c", { status: "closed", category: "sanitation" }, { gridId: 1 }),
      desk("d", { status: "draft", category: "sanitation" }, { gridId: 1 }),
    ];
    const ids = (f: Parameters<typeof filterTickets>[1]) => filterTickets(list, f).map((t) => t.id);
    expect(ids({})).toEqual(["a", "b"]);
    expect(ids({ closed: true })).toEqual(["a", "b", "c"]);
    expect(ids({ status: "closed" })).toEqual(["c"]);
    expect(ids({ grid: 2 })).toEqual(["b"]);
    expect(ids({ category: "sanitation" })).toEqual(["a"]);
    expect(ids({ colour: "red" })).toEqual(["a"]);
    expect(ids({ department: 1 })).toEqual(["a"]);
    expect(ids({ text: "门口" })).toEqual(["a"]);
    expect(ids({ text: "  电线 " })).toEqual(["b"]);
  });

  it("gives a department its work by the deadline it works to now: reporting in, then the fix", () => {
    const list = [
      desk("fix-soon", { status: "acknowledged", department: 1, due_at: "2026-11-20T06:00:00Z" }),
      desk("ack-now", { status: "dispatched", department: 1, ack_due_at: "2026-11-20T03:00:00Z", due_at: "2026-11-22T00:00:00Z" }),
      desk("rework", { status: "reopened", department: 1, due_at: "2026-11-20T05:00:00Z" }),
      desk("theirs", { status: "dispatched", department: 2, ack_due_at: "2026-11-20T01:00:00Z" }),
      desk("fixed", { status: "resolved", department: 1 }),
    ];
    const box = inbox(list, 1);
    expect(box.todo.map((t) => t.id)).toEqual(["ack-now", "rework", "fix-soon"]);
    expect(box.done.map((t) => t.id)).toEqual(["fixed"]);
  });

  it("suggests the department whose categories cover the ticket's", () => {
    const depts = [
      { id: 1, code: "D1", name: "区城管局", name_en: "City management", categories: ["sanitation", "traffic_parking"] },
      { id: 4, code: "D4", name: "区水务集团", name_en: "Water", categories: ["facilities_damage"] },
    ];
    expect(suggestDepartment(depts, "facilities_damage")?.id).toBe(4);
    expect(suggestDepartment(depts, "traffic_parking")?.id).toBe(1);
    expect(suggestDepartment(depts, "livelihood")).toBeUndefined();
    expect(ticketNumber("3fbde61d-0a1b-4c2d-8e3f-123456789abc")).toBe("3FBDE61D");
  });
});

describe("what each role is offered", () => {
  const OPS: TicketOp[] = ["submit", "approve", "return", "dispatch", "escalate", "acknowledge", "resolve", "send_back", "verify", "close", "reopen"];
  const STATES = [...new Set(TICKET_STATUS.transitions.flatMap((t) => [...t.sources, t.target]))];

  it("never offers an op the server's role table refuses, nor one the state machine does not allow", () => {
    for (const role of ["patroller", "lead", "supervisor", "department", "admin"]) {
      for (const status of STATES) {
        for (const op of OPS) {
          if (!offered(role, op, { status, level: "grid" })) continue;
          expect(mayDo(role, "ticket", op), `${role} ${op}`).toBe(true);
          if (op !== "escalate") expect(TICKET_STATUS.transitions.some((t) => t.op === op && t.sources.includes(status)), `${op} from ${status}`).toBe(true);
        }
      }
    }
  });

  it("offers each role its part of the ticket's life", () => {
    const ops = (role: string, status: string) => OPS.filter((op) => offered(role, op, { status, level: "grid" }));
    expect(ops("supervisor", "submitted")).toEqual(["approve", "return", "escalate"]);
    expect(ops("supervisor", "sent_back")).toEqual(["dispatch", "escalate"]);
    expect(ops("department", "dispatched")).toEqual(["acknowledge", "resolve", "send_back"]);
    expect(ops("department", "reopened")).toEqual(["acknowledge", "resolve", "send_back"]);
    expect(ops("patroller", "resolved")).toEqual(["verify"]);
    expect(ops("patroller", "dispatched")).toEqual([]);
    expect(ops("lead", "verified")).toEqual(["escalate", "close", "reopen"]);
    expect(ops("lead", "returned")).toEqual(["submit", "escalate"]);
    expect(ops("department", "submitted")).toEqual([]);
  });

  it("lets a lead escalate only to the community and nobody past the district or a closed ticket", () => {
    expect(offered("lead", "escalate", { status: "submitted", level: "grid" })).toBe(true);
    expect(offered("lead", "escalate", { status: "submitted", level: "community" })).toBe(false);
    expect(offered("supervisor", "escalate", { status: "submitted", level: "street" })).toBe(true);
    expect(offered("supervisor", "escalate", { status: "submitted", level: "district" })).toBe(false);
    expect(offered("supervisor", "escalate", { status: "closed", level: "grid" })).toBe(false);
    expect(offered("supervisor", "escalate", { status: "approved", level: "community" })).toBe(true);
    expect(offered("supervisor", "escalate", { status: "draft" })).toBe(false);
  });
});

describe("ticket actions in the outbox", () => {
  let d: GridwalkDB;
  freshDbEachTest((db) => (d = db));

  it("approves before dispatching in order, both on the version the screen showed", async () => {
    await applyPulled(d, [{ entity: "ticket", entity_id: "t1", version: 5, deleted: false, data: { status: "submitted", category: "sanitation" } }], "c1");
    await dispatchTickets(d, NODE, [{ id: "t1", department: 1, approveFirst: true }]);
    const batch = await nextBatch(d, 10);
    expect(batch.map((i) => [i.mutation.op, i.mutation.base_version, i.mutation.data])).toEqual([
      ["approve", 5, {}],
      ["dispatch", 5, { department: 1 }],
    ]);
    expect((await d.records.get(["ticket", "t1"]))?.data).toMatchObject({ status: "dispatched", department: 1 });
  });

  it("writes a fix and a check as the ticket's own fields, so the view before the answer is right", async () => {
    await applyPulled(d, [{ entity: "ticket", entity_id: "t1", version: 7, deleted: false, data: { status: "acknowledged", photos: ["before"] } }], "c1");
    await resolveTicket(d, NODE, "t1", " 已清运 ", ["after"]);
    let view = (await d.records.get(["ticket", "t1"]))!.data;
    expect(view).toMatchObject({ status: "resolved", resolution_note: "已清运", resolution_photos: ["after"], photos: ["before"] });
    await verifyTicket(d, NODE, "t1", false, "仍满", ["check"]);
    view = (await d.records.get(["ticket", "t1"]))!.data;
    expect(view).toMatchObject({ status: "reopened", verification_note: "仍满", verification_photos: ["check"] });
    // "fixed" picks the transition and is not stored on the ticket.
    expect(view).not.toHaveProperty("fixed");
    const [, verify] = await nextBatch(d, 10);
    expect(verify.mutation.data).toEqual({ fixed: false, verification_note: "仍满", verification_photos: ["check"] });
  });

  it("sends a ticket back with its reason trimmed", async () => {
    await applyPulled(d, [{ entity: "ticket", entity_id: "t1", version: 2, deleted: false, data: { status: "dispatched", department: 1 } }], "c1");
    await sendBack(d, NODE, "t1", "  不属本部门 ");
    const [m] = await nextBatch(d, 1);
    expect([m.mutation.op, m.mutation.data]).toEqual(["send_back", { reason: "不属本部门" }]);
    expect((await d.records.get(["ticket", "t1"]))?.data.status).toBe("sent_back");
  });
});

describe("the desk's kept lists", () => {
  let d: GridwalkDB;
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  beforeEach(async () => {
    d = freshDb();
    await setMeta(d, "session", { user: { id: 9, username: "dept1", role: "department" }, access_token: "a", refresh_token: "r" } satisfies Session);
  });
  afterEach(async () => {
    d.close();
    await d.delete();
  });

  it("takes newer tickets from the list into this device's records and keeps the record data alone", async () => {
    await applyPulled(d, [{ entity: "ticket", entity_id: "a", version: 4, deleted: false, data: { status: "dispatched", title: "old" } }], "c1");
    await absorbTickets(d, [item("a", { version: 6, status: "acknowledged", title: "new" }), item("b", { version: 2 })], false);
    const a = await d.records.get(["ticket", "a"]);
    expect(a).toMatchObject({ version: 6, pulledVersion: 6 });
    expect(a?.data).toMatchObject({ status: "acknowledged", title: "new" });
    expect(a?.data).not.toHaveProperty("color");
    expect(a?.data).not.toHaveProperty("department_id");
    // An older list never takes a record back.
    await absorbTickets(d, [item("a", { version: 5, status: "dispatched" })], false);
    expect((await d.records.get(["ticket", "a"]))?.data.status).toBe("acknowledged");
    expect(ticketData(item("x"))).not.toHaveProperty("version");
  });

  it("drops tickets the caller no longer sees, unless an action of theirs still waits to be sent", async () => {
    await applyPulled(
      d,
      ["gone", "kept", "waiting"].map((id) => ({ entity: "ticket", entity_id: id, version: 3, deleted: false, data: { status: "dispatched" } })),
      "c1",
    );
    await enqueue(d, NODE, { entity: "ticket", entity_id: "waiting", op: "acknowledge" });
    await absorbTickets(d, [item("kept", { status: "dispatched" })], true);
    expect((await d.records.where("entity").equals("ticket").primaryKeys()).map(([, id]) => id).sort()).toEqual(["kept", "waiting"]);
  });

  it("fetches every page of the list with the server's time and keeps it", async () => {
    const asked: string[] = [];
    const many = Array.from({ length: 501 }, (_, i) => item(`t${i}`));
    const api = new ApiClient(d, async (url) => {
      asked.push(String(url));
      const offset = Number(new URL(String(url), "http://x").searchParams.get("offset"));
      return json({ items: many.slice(offset, offset + 500), total: many.length, limit: 500, offset, now: "2026-11-21T10:00:00+00:00" });
    });
    const snap = await refreshTickets(d, api, () => new Date("2026-11-20T10:00:00Z"));
    expect(asked).toEqual(["/api/tickets?limit=500&offset=0", "/api/tickets?limit=500&offset=500"]);
    expect(snap?.items).toHaveLength(501);
    expect((await loadTickets(d))?.serverNow).toBe("2026-11-21T10:00:00+00:00");
    expect(await d.records.where("entity").equals("ticket").count()).toBe(501);
  });

  it("keeps a ticket's dossier and takes its ticket in", async () => {
    const dossier = { ticket: item("t1", { version: 9, status: "resolved" }), now: "2026-11-21T10:00:00Z", reports: [], reasons: [], history: [], people: { g1: "王" }, grid: null, department: null };
    const api = new ApiClient(d, async () => json(dossier));
    await refreshDossier(d, api, "t1");
    expect((await loadDossier(d, "t1"))?.dossier.people).toEqual({ g1: "王" });
    expect((await d.records.get(["ticket", "t1"]))?.data.status).toBe("resolved");
  });
});

describe("notifications, answers and names", () => {
  let d: GridwalkDB;
  const note = (id: string, read_at: string | null = null): AppNotification => ({ id, kind: "ticket_returned", entity: "ticket", entity_id: "t1", data: { title: "x", reason: "y" }, created_at: "2026-11-20T10:00:00Z", read_at });
  freshDbEachTest((db) => (d = db));

  it("counts unread notifications and marks them read through the outbox, once each", async () => {
    await setMeta(d, "notifications", { fetchedAt: "2026-11-20T10:00:00Z", items: [note("n1"), note("n2"), note("n3", "2026-11-20T10:00:00Z")] });
    expect((await notificationView(d)).unread).toBe(2);
    expect(await markRead(d, NODE, ["n1", "n3", "n1"])).toBe(1);
    const batch = await nextBatch(d, 10);
    expect(batch.map((i) => [i.mutation.entity, i.mutation.op, i.mutation.entity_id])).toEqual([["notification", "read", "n1"]]);
    const view = await notificationView(d);
    expect(view.unread).toBe(1);
    expect(view.items.find((n) => n.id === "n1")?.read).toBe(true);
  });

  it("keeps the answer when someone else acted first, until it is read", async () => {
    await applyPulled(d, [{ entity: "ticket", entity_id: "t1", version: 2, deleted: false, data: { status: "submitted" } }], "c1");
    const m = await enqueue(d, NODE, { entity: "ticket", entity_id: "t1", op: "approve" });
    const sent = await nextBatch(d, 10);
    const results = [{ id: m.id, status: "conflict" as const, version: 3, conflict: { field: "status", kind: "invalid_transition", losing: { value: "approved" } } }];
    await settle(d, sent, results);
    await noteOutcomes(d, sent, results, "2026-11-20T10:00:00Z");
    const [o] = await outcomesFor(d, "t1");
    expect(o).toMatchObject({ mutationId: m.id, op: "approve", at: "2026-11-20T10:00:00Z" });
    expect(await d.outbox.count()).toBe(0);
    await dismissOutcome(d, m.id);
    expect(await outcomesFor(d, "t1")).toEqual([]);
    // Applied answers are not kept.
    await noteOutcomes(d, sent, [{ id: m.id, status: "applied", version: 3 }]);
    expect(await getMeta(d, "outcomes")).toEqual([]);
  });

  it("names people from the cached list, the team, and a ticket's dossier", async () => {
    await setMeta(d, "people", [{ username: "street1", display_name: "米市巷街道督办员", role: "supervisor" }]);
    await setMeta(d, "team", { grid: { id: 1, code: "G1", name: "g" }, members: [{ username: "g1-2", display_name: "李秀英", role: "patroller" }] });
    const people = withNames(await knownPeople(d), { dept1: "区城管局值班员", "g1-2": "ignored" });
    expect(Object.fromEntries(people.map((p) => [p.username, p.display_name]))).toEqual({
      street1: "米市巷街道督办员",
      "g1-2": "李秀英",
      dept1: "区城管局值班员",
    });
  });
});

describe("the desk's lists, edge by edge", () => {
  let d: GridwalkDB;
  let asked: string[];
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  const api = (answer: (url: URL) => unknown) =>
    new ApiClient(d, async (url) => {
      asked.push(String(url));
      return json(answer(new URL(String(url), "http://x")));
    });
  beforeEach(async () => {
    d = freshDb();
    asked = [];
    await setMeta(d, "session", { user: { id: 9, username: "sup", role: "supervisor" }, access_token: "a", refresh_token: "r" } satisfies Session);
  });
  afterEach(async () => {
    d.close();
    await d.delete();
  });

  it("keep only the record's own fields of a listed ticket, and show it as not deleted", async () => {
    const listed = { ...item("a"), deleted: false } as TicketItem;
    expect(Object.keys(ticketData(listed)).sort()).toEqual(["category", "grid_id", "photos", "report_ids", "status", "title"]);
    await absorbTickets(d, [listed], false);
    expect((await d.records.get(["ticket", "a"]))?.deleted).toBe(false);
  });

  it("never lower the version this device already holds from its own pushes", async () => {
    await d.records.put(rec("a", { status: "submitted" }, { version: 8, pulledVersion: 3 }));
    await absorbTickets(d, [item("a", { version: 5, status: "approved" })], false);
    expect(await d.records.get(["ticket", "a"])).toMatchObject({ version: 8, pulledVersion: 5, data: { status: "approved" } });
  });

  it("keep a ticket made here and answered but not yet listed", async () => {
    const m = await enqueue(d, NODE, { entity: "ticket", entity_id: "mine", op: "create", data: { status: "draft" } });
    await settle(d, await nextBatch(d, 10), [{ id: m.id, status: "applied", version: 1 }]);
    await absorbTickets(d, [], true);
    expect(await d.records.get(["ticket", "mine"])).toBeDefined();
  });

  it("drop tickets no longer listed on a full list, not on a dossier", async () => {
    await d.records.put(rec("old", { status: "dispatched" }));
    const dossier = { ticket: item("t1"), now: "", reports: [], reasons: [], history: [], people: {}, grid: null, department: null };
    await refreshDossier(d, api(() => dossier), "t1");
    expect(await d.records.get(["ticket", "old"])).toBeDefined();
    await refreshTickets(d, api(() => ({ items: [item("t1")], total: 1 })));
    expect(await d.records.get(["ticket", "old"])).toBeUndefined();
  });

  it("stop at a full last page, and take the device's time when the server sends none", async () => {
    const five = Array.from({ length: 500 }, (_, i) => item(`t${i}`));
    const snap = await refreshTickets(d, api(() => ({ items: five, total: 500 })), () => new Date("2026-11-20T10:00:00Z"));
    expect(asked).toEqual(["/api/tickets?limit=500&offset=0"]);
    expect(snap).toMatchObject({ fetchedAt: "2026-11-20T10:00:00.000Z", serverNow: "2026-11-20T10:00:00.000Z" });
  });

  it("ask for a dossier by its escaped id, and keep only the newest sixty", async () => {
    let minute = 0;
    const clock = () => new Date(Date.UTC(2026, 10, 20, 10, minute++));
    const dossierOf = (url: URL) => ({ ticket: item(decodeURIComponent(url.pathname.split("/")[3])), now: "", reports: [], reasons: [], history: [], people: {}, grid: null, department: null });
    await refreshDossier(d, api(dossierOf), "a/b", clock);
    expect(asked).toEqual(["/api/tickets/a%2Fb/dossier"]);
    for (let i = 0; i < 61; i++) await refreshDossier(d, api(dossierOf), `t${i}`, clock);
    expect(await loadDossier(d, "a/b")).toBeUndefined();
    expect(await loadDossier(d, "t0")).toBeUndefined();
    expect(await loadDossier(d, "t1")).toBeDefined();
    expect(await loadDossier(d, "t60")).toBeDefined();
  });

  it("stop when a page comes back short, whatever total the server names", async () => {
    await refreshTickets(d, api(() => ({ items: [item("a"), item("b")], total: 10 })));
    expect(asked).toEqual(["/api/tickets?limit=500&offset=0"]);
  });

  it("keep the grids by name", async () => {
    expect(await loadGrids(d)).toEqual([]);
    const grids = [{ id: 1, code: "g1", name: "一网格", kind: "residential", street_id: 1, community: "东", center_lat: null, center_lon: null }];
    expect(await refreshGrids(d, api(() => ({ grids })))).toEqual(grids);
    expect(asked).toEqual(["/api/grids"]);
    expect(await loadGrids(d)).toEqual(grids);
    expect(await refreshGrids(d, api(() => ({})))).toEqual([]);
    expect(await loadGrids(d)).toEqual([]);
  });
});

describe("ticket actions, one by one", () => {
  let d: GridwalkDB;
  freshDbEachTest((db) => (d = db));
  const ops = async () => (await d.outbox.toArray()).map((i) => [i.mutation.entity_id, i.mutation.op, i.mutation.data]);

  it("approve each ticket, return with the reason trimmed, edit only with changes", async () => {
    await approveTickets(d, NODE, ["a", "b"]);
    await returnTicket(d, NODE, "c", "  wrong grid \n");
    await editTicket(d, NODE, "c", {});
    await editTicket(d, NODE, "c", { title: "fixed title" });
    await verifyTicket(d, NODE, "e", false, "  still leaking ", ["p"]);
    await dispatchTickets(d, NODE, [{ id: "f", department: 2, approveFirst: false }]);
    expect(await ops()).toEqual([
      ["a", "approve", {}],
      ["b", "approve", {}],
      ["c", "return", { reason: "wrong grid" }],
      ["c", "update", { title: "fixed title" }],
      ["e", "verify", { fixed: false, verification_note: "still leaking", verification_photos: ["p"] }],
      ["f", "dispatch", { department: 2 }],
    ]);
    expect((await d.outbox.toArray()).every((i) => i.mutation.entity === "ticket")).toBe(true);
  });

  it("offer escalation from the grid upwards, never past the district or on a closed ticket", () => {
    expect(offered("supervisor", "escalate", { status: "approved" })).toBe(true);
    expect(offered("lead", "escalate", { status: "submitted" })).toBe(true);
    expect(offered("supervisor", "escalate", { status: "approved", level: "street" })).toBe(true);
    expect(offered("supervisor", "escalate", { status: "approved", level: "district" })).toBe(false);
    expect(offered("supervisor", "escalate", { status: "closed", level: "grid" })).toBe(false);
    expect(offered("supervisor", "escalate", { status: "approved", level: "community" })).toBe(true);
    expect(offered("supervisor", "escalate", { status: "draft" })).toBe(false);
  });
});
