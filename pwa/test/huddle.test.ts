import { afterEach, describe, expect, it } from "vitest";
import type { GridwalkDB, RecordRow } from "../src/db/schema";
import { getMeta, setMeta } from "../src/db/meta";
import { locale } from "../src/i18n";
import { ApiClient, type Session } from "../src/sync/api";
import { KEEP_SNAPSHOTS, contentHash, huddleKey, loadAsOf, loadHuddle, loadHuddleIds, refreshHuddle, type Huddle, type HuddleReport } from "../src/sync/huddle";
import {
  addReportsToTicket,
  createTicket,
  keepApart,
  postNotice,
  resolveConflict,
  submitTickets,
  undoKeepApart,
  withdrawNotice,
} from "../src/sync/huddleCommands";
import { applyPulled, nextBatch } from "../src/sync/outbox";
import { wipeUserData } from "../src/sync/session";
import { buildBoard, nextDay, parseReason, ticketPrefill, type LocalState } from "../src/ui/huddle/model";
import { filterRecords } from "../src/ui/huddle/TeamRecords";
import { capabilities, homeRoute, routeAllowed } from "../src/ui/roles";
import { tabsFor } from "../src/ui/components/TabBar";
import { clusterReasons, reasonText, suggestionText } from "../src/ui/huddle/words";
import { freshDbEachTest } from "./helpers";

const NODE = "tablet-1";

function rep(id: string, data: Record<string, unknown> = {}): HuddleReport {
  return {
    entity: "report",
    id,
    grid_id: 1,
    version: 1,
    deleted: false,
    day: "2026-11-20",
    created_at: "2026-11-20T01:00:00Z",
    data: { category: "sanitation", description: `report ${id}`, reporter: "g1-2", status: "open", photos: [], severity: 1, device_time: `2026-11-20T0${id.length}:00:00Z`, ...data },
  };
}

function huddle(over: Partial<Huddle> = {}): Huddle {
  return {
    grid: { id: 1, code: "G1", name: "卖鱼桥第一网格" },
    date: "2026-11-20",
    reports: [rep("a"), rep("b"), rep("c"), rep("d", { category: "facilities_damage" }), rep("e", { category: "facilities_damage" })],
    clusters: [
      { report_ids: ["a", "b", "c"], score: 0.9, reasons: ["reports=3", "reporters=3", "same_category", "max_distance_m=12"], kind: "many_reporters" },
      { report_ids: ["d", "e"], score: 0.6, reasons: ["reports=2", "same_category"], kind: "many_reporters" },
    ],
    ticket_matches: [],
    conflicts: [{ id: "c-1", entity: "report", entity_id: "d", field: "description", kind: "concurrent_write", kept: { value: "x" }, losing: { value: "y" } }],
    common_problems: [],
    checkins: [],
    visits: 0,
    ...over,
  };
}

function row(entity: string, id: string, data: Record<string, unknown>, extra: Partial<RecordRow> = {}): RecordRow {
  return { entity, entity_id: id, version: 1, pulledVersion: 1, server: null, data, deleted: false, pending: 0, rejected: false, sortAt: "", ...extra };
}

function local(over: Partial<LocalState> = {}): LocalState {
  return { reports: new Map(), tickets: [], keepApart: [], resolvedConflicts: new Set(), added: {}, ...over };
}

describe("the board", () => {
  it("shows the server's clusters as they are when this tablet has done nothing", () => {
    const view = buildBoard(huddle(), local());
    expect(view.clusters.map((c) => c.reportIds)).toEqual([["a", "b", "c"], ["d", "e"]]);
    expect(view.loose).toEqual([]);
    expect(view.conflicts).toHaveLength(1);
  });

  it("takes reports out of their cluster as soon as a ticket is made of them here, before it is synced", () => {
    const ticket = row("ticket", "t1", { grid_id: 1, title: "bins", status: "draft", report_ids: ["a", "b", "c"] }, { pending: 1, version: null });
    const view = buildBoard(huddle(), local({ tickets: [ticket] }));
    expect(view.clusters.map((c) => c.key)).toEqual(["d"]);
    expect(["a", "b", "c"].map((id) => view.byId.get(id)?.ticketId)).toEqual(["t1", "t1", "t1"]);
    expect(view.drafts.map((t) => t.entity_id)).toEqual(["t1"]);
    expect(view.sent).toEqual([]);
  });

  it("moves a submitted ticket from the drafts to the sent list", () => {
    const ticket = row("ticket", "t1", { grid_id: 1, status: "submitted", report_ids: ["a"] });
    const view = buildBoard(huddle(), local({ tickets: [ticket] }));
    expect(view.drafts).toEqual([]);
    expect(view.sent.map((t) => t.entity_id)).toEqual(["t1"]);
  });

  it("takes a split report out of its cluster, and a pair split apart is no cluster at all", () => {
    const split = row("keep_apart", "k1", { grid_id: 1, report_id: "c", apart_from: ["a", "b"] });
    const pair = row("keep_apart", "k2", { grid_id: 1, report_id: "e", apart_from: ["d"] });
    const view = buildBoard(huddle(), local({ keepApart: [split, pair] }));
    expect(view.clusters.map((c) => c.reportIds)).toEqual([["a", "b"]]);
    expect(view.loose.map((r) => r.id).sort()).toEqual(["c", "d", "e"]);
    expect(view.splits.map((k) => k.entity_id)).toEqual(["k1", "k2"]);
  });

  it("forgets an undone split", () => {
    const split = row("keep_apart", "k1", { grid_id: 1, report_id: "c", apart_from: ["a", "b"] }, { deleted: true });
    expect(buildBoard(huddle(), local({ keepApart: [split] })).clusters[0].reportIds).toEqual(["a", "b", "c"]);
  });

  it("moves a report added to another cluster out of the one the server put it in", () => {
    const view = buildBoard(huddle(), local({ added: { d: ["c"] } }));
    expect(view.clusters.find((c) => c.key === "a")?.reportIds).toEqual(["a", "b"]);
    expect(view.clusters.find((c) => c.key === "d")?.added).toEqual(["c"]);
  });

  it("lists problems solved on the spot apart and flags handoffs that are in no ticket", () => {
    const h = huddle({
      reports: [rep("a", { status: "solved_on_site" }), rep("b", { status: "needs_handoff" }), rep("cc", { status: "needs_handoff" })],
      clusters: [],
    });
    const ticket = row("ticket", "t1", { grid_id: 1, status: "draft", report_ids: ["cc"] });
    const view = buildBoard(h, local({ tickets: [ticket] }));
    expect(view.solvedOnSite.map((r) => r.id)).toEqual(["a"]);
    expect(view.flagged.map((r) => r.id)).toEqual(["b"]);
    expect(view.loose.map((r) => r.id)).toEqual(["b"]);
  });

  it("shows this tablet's newer copy of a report over the snapshot's", () => {
    const mine = row("report", "a", { ...rep("a").data, status: "in_ticket", ticket_id: "t9" });
    const view = buildBoard(huddle(), local({ reports: new Map([["a", mine]]) }));
    expect(view.byId.get("a")?.ticketId).toBe("t9");
    expect(view.clusters[0].reportIds).toEqual(["b", "c"]);
  });

  it("hides a conflict resolved here", () => {
    expect(buildBoard(huddle(), local({ resolvedConflicts: new Set(["c-1"]) })).conflicts).toEqual([]);
  });

  it("offers a report's match with an open ticket only while it is in no ticket", () => {
    const h = huddle({ ticket_matches: [{ report_id: "a", ticket_id: "old", score: 0.7, reasons: ["same_category"] }] });
    const open = row("ticket", "old", { grid_id: 1, status: "submitted", report_ids: ["z"] });
    expect(buildBoard(h, local({ tickets: [open] })).matches.map((m) => m.report.id)).toEqual(["a"]);
    const taken = row("ticket", "old", { grid_id: 1, status: "submitted", report_ids: ["z", "a"] });
    expect(buildBoard(h, local({ tickets: [taken] })).matches).toEqual([]);
  });
});

describe("a ticket pre-filled from its reports", () => {
  const view = buildBoard(
    huddle({
      reports: [
        rep("a", { description: "3幢楼下垃圾桶满溢", severity: 2, place: "3幢", photos: ["p1", "p2"] }),
        rep("b", { description: "垃圾桶满了", severity: 3, place: "3幢", photos: ["p2", "p3"] }),
        rep("c", { category: "facilities_damage", description: "Overflowing bins", severity: 1, place: "", photos: [] }),
      ],
    }),
    local(),
  );
  const reports = ["a", "b", "c"].map((id) => view.byId.get(id)!);

  it("takes the commonest category and place, the highest severity, every photo once", () => {
    const p = ticketPrefill(reports, (c) => `name:${c}`);
    expect(p).toEqual({ title: "3幢楼下垃圾桶满溢", category: "sanitation", severity: 3, place: "3幢", photos: ["p1", "p2", "p3"] });
  });

  it("titles it with the earliest description in the lead's language", () => {
    const english = ticketPrefill(reports, (c) => c, 9, (text) => !/[\u4e00-\u9fff]/.test(text));
    expect(english.title).toBe("Overflowing bins");
    const later = reports.map((r, i) => ({ ...r, at: `2026-11-20T0${9 - i}:00:00Z` }));
    expect(ticketPrefill(later, (c) => c).title).toBe("Overflowing bins");
    expect(ticketPrefill(later, (c) => c, 9, (text) => /[\u4e00-\u9fff]/.test(text)).title).toBe("垃圾桶满了");
  });

  it("caps the photos and falls back to the category for a title", () => {
    const bare = reports.map((r) => ({ ...r, data: { ...r.data, description: "" } }));
    const p = ticketPrefill(bare, (c) => `name:${c}`, 2);
    expect(p.photos).toEqual(["p1", "p2"]);
    expect(p.title).toBe("name:sanitation · 3幢");
  });
});

describe("reasons in the lead's language", () => {
  afterEach(() => {
    locale.value = "zh-CN";
  });

  it("puts every code the server sends into words, with its value", () => {
    locale.value = "zh-CN";
    expect(reasonText("max_distance_m=12")).toBe("相距最远 12 米");
    expect(reasonText("text_similarity=0.62")).toBe("描述相似度 62%");
    expect(clusterReasons(["reports=3", "reporters=3", "same_category"])).toEqual(["3 人上报", "同一类别"]);
    locale.value = "en";
    expect(reasonText("hours_apart=1.5")).toBe("1.5 h apart");
    expect(reasonText("different_languages")).toBe("Chinese and English (text not compared)");
    expect(reasonText("brand_new_code=1")).toBe("brand_new_code=1");
    expect(suggestionText("street_wide_check", "english")).toBe("Found in several grids: run the same check in every grid");
    expect(suggestionText(undefined, "english")).toBe("english");
  });

  it("splits a code from its value", () => {
    expect(parseReason("distance_m=18")).toEqual(["distance_m", "18"]);
    expect(parseReason("same_category")).toEqual(["same_category", undefined]);
    expect(nextDay("2026-12-31")).toBe("2027-01-01");
  });
});

describe("roles", () => {
  it("offers the patrol tabs to a patroller, the huddle and team to the lead, no capture to desk roles", () => {
    expect(tabsFor(capabilities("patroller")).map((t) => t.id)).toEqual(["today", "checkin", "report", "visit", "sync"]);
    expect(tabsFor(capabilities("lead")).map((t) => t.id)).toEqual(["today", "checkin", "report", "visit", "huddle", "team", "sync"]);
    const desks: Record<string, string[]> = {
      supervisor: ["home", "dashboard", "queue", "intake", "board", "sync"], department: ["home", "inbox", "sync"],
      admin: ["home", "dashboard", "admin", "sync"],
    };
    for (const role of ["supervisor", "department", "admin"]) {
      const caps = capabilities(role);
      expect(tabsFor(caps).map((t) => t.id)).toEqual(desks[role]);
      expect(homeRoute(caps)).toBe("home");
      for (const route of ["checkin", "report-new", "visit-new", "huddle", "today"]) expect(routeAllowed(route, caps)).toBe(false);
      expect(routeAllowed("report", caps)).toBe(true);
    }
    expect(routeAllowed("huddle", capabilities("patroller"))).toBe(false);
    // Hotline cases are placed by the street's supervisor only.
    expect(["patroller", "lead", "supervisor", "department", "admin"].filter((r) => routeAllowed("intake", capabilities(r)))).toEqual(["supervisor"]);
  });
});

describe("team records", () => {
  const rows = [
    row("report", "r1", { reporter: "g1-2", category: "sanitation", status: "open" }, { sortAt: "2026-11-20T03:00:00Z" }),
    row("report", "r2", { reporter: "g1-3", category: "sanitation", status: "solved_on_site" }, { sortAt: "2026-11-20T04:00:00Z" }),
    row("report", "r3", { reporter: "g1-3", category: "public_safety", status: "open" }, { sortAt: "2026-11-18T04:00:00Z" }),
  ];
  it("filters by member, day, category and status", () => {
    const all = { kind: "report" as const, member: "", day: "", category: "", status: "" };
    expect(filterRecords(rows, all)).toHaveLength(3);
    expect(filterRecords(rows, { ...all, member: "g1-3" }).map((r) => r.entity_id)).toEqual(["r2", "r3"]);
    expect(filterRecords(rows, { ...all, category: "sanitation", status: "open" }).map((r) => r.entity_id)).toEqual(["r1"]);
    const day = new Date("2026-11-18T04:00:00Z");
    const local = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`;
    expect(filterRecords(rows, { ...all, day: local }).map((r) => r.entity_id)).toEqual(["r3"]);
  });
});

describe("huddle actions go through the outbox", () => {
  let d: GridwalkDB;
  freshDbEachTest((db) => (d = db));

  it("queues a ticket, a split, a conflict resolution, a notice and the submit, in order, without the network", async () => {
    const ticket = await createTicket(d, NODE, { grid_id: 1, title: "垃圾桶满溢", category: "sanitation", severity: 2, place: "", photos: ["p1"], report_ids: ["a", "b"] });
    const split = await keepApart(d, NODE, 1, "e", ["d"]);
    await resolveConflict(d, NODE, "c-1", "losing");
    await resolveConflict(d, NODE, "c-2", "value", "新的描述");
    await postNotice(d, NODE, { grid_id: 1, category: "sanitation", for_day: "2026-11-21" });
    await submitTickets(d, NODE, [ticket]);
    await addReportsToTicket(d, NODE, ticket, ["c"]);
    await undoKeepApart(d, NODE, split);
    const batch = await nextBatch(d, 50);
    expect(batch.map((i) => `${i.mutation.entity}.${i.mutation.op}`)).toEqual([
      "ticket.create", "keep_apart.create", "conflict.resolve", "conflict.resolve", "notice.create", "ticket.submit", "ticket.update", "keep_apart.delete",
    ]);
    const [create, apart, losing, typed, notice] = batch.map((i) => i.mutation.data);
    // An empty place is left out rather than sent as "" (which the server would check as a value).
    expect(create).toEqual({ grid_id: 1, title: "垃圾桶满溢", category: "sanitation", severity: 2, photos: ["p1"], report_ids: ["a", "b"] });
    expect(apart).toEqual({ grid_id: 1, report_id: "e", apart_from: ["d"] });
    expect(losing).toEqual({ choice: "losing" });
    expect(typed).toEqual({ choice: "value", value: "新的描述" });
    expect(notice).toEqual({ kind: "focus_check", grid_id: 1, category: "sanitation", for_day: "2026-11-21" });
    const shown = await d.records.get(["ticket", ticket]);
    expect(shown?.data).toMatchObject({ status: "submitted", report_ids: ["a", "b", "c"] });
    expect((await d.records.get(["keep_apart", split]))?.deleted).toBe(true);
    expect(await d.records.get(["conflict", "c-1"])).toBeTruthy();
  });

  it("bases an edit of a pulled ticket on the version the tablet saw", async () => {
    await applyPulled(d, [{ entity: "ticket", entity_id: "t1", version: 3, deleted: false, data: { status: "draft", report_ids: [] } }], "c1");
    await submitTickets(d, NODE, ["t1"]);
    const [item] = await nextBatch(d, 10);
    expect(item.mutation.base_version).toBe(3);
  });
});

/** A fresh database per test, with the grid-1 lead logged in. */
function leadDbEachTest(use: (d: GridwalkDB) => void): void {
  freshDbEachTest(async (db) => {
    use(db);
    await setMeta(db, "session", { user: { id: 1, username: "g1-1", role: "lead" }, access_token: "a", refresh_token: "r" } satisfies Session);
  });
}

describe("huddle snapshots", () => {
  let d: GridwalkDB;
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  leadDbEachTest((db) => (d = db));

  it("keeps the day's board with the time it was fetched, for offline opening", async () => {
    const asked: string[] = [];
    const api = new ApiClient(d, async (url) => {
      asked.push(String(url));
      return json(huddle());
    });
    await refreshHuddle(d, api, "mine", "2026-11-20", () => new Date("2026-11-20T11:42:00Z"));
    expect(asked).toEqual(["/api/huddle?date=2026-11-20"]);
    const stored = await loadHuddle(d, "mine", "2026-11-20");
    expect(stored?.fetchedAt).toBe("2026-11-20T11:42:00.000Z");
    expect(stored?.huddle.clusters).toHaveLength(2);
    expect(await loadHuddleIds(d, "mine", "2026-11-20")).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("rewrites only the time when the server's answer did not change, so the board does not redraw", async () => {
    let generated = "2026-11-20T11:00:00+00:00";
    const api = new ApiClient(d, async () => json({ ...huddle(), generated_at: generated }));
    const first = await refreshHuddle(d, api, "mine", "2026-11-20", () => new Date("2026-11-20T11:00:05Z"));
    generated = "2026-11-20T11:42:00+00:00";
    await refreshHuddle(d, api, "mine", "2026-11-20", () => new Date("2026-11-20T11:42:05Z"));
    expect(await loadHuddle(d, "mine", "2026-11-20")).toEqual(first);
    expect(first.huddle.generated_at).toBeUndefined();
    expect(await loadAsOf(d, "mine", "2026-11-20")).toMatchObject({ fetchedAt: "2026-11-20T11:42:05.000Z", generatedAt: generated });
  });

  it("stores an answer that changed", async () => {
    let visits = 0;
    const api = new ApiClient(d, async () => json({ ...huddle(), visits }));
    await refreshHuddle(d, api, "mine", "2026-11-20", () => new Date("2026-11-20T11:00:00Z"));
    visits = 3;
    await refreshHuddle(d, api, "mine", "2026-11-20", () => new Date("2026-11-20T11:05:00Z"));
    const stored = await loadHuddle(d, "mine", "2026-11-20");
    expect(stored?.huddle.visits).toBe(3);
    expect(stored?.fetchedAt).toBe("2026-11-20T11:05:00.000Z");
    expect(contentHash("a")).not.toBe(contentHash("b"));
    expect(contentHash("垃圾桶满溢")).toBe(contentHash("垃圾桶满溢"));
  });

  it("keeps only the newest snapshots, and a log-out of another user wipes them", async () => {
    const api = new ApiClient(d, async () => json(huddle()));
    for (let day = 1; day <= KEEP_SNAPSHOTS + 3; day++) {
      await refreshHuddle(d, api, 1, `2026-11-${String(day).padStart(2, "0")}`, () => new Date(Date.UTC(2026, 10, day)));
    }
    const keys = await d.meta.where("key").startsWith("huddle:").primaryKeys();
    expect(keys.filter((k) => !k.endsWith(":asof") && !k.endsWith(":ids"))).toHaveLength(KEEP_SNAPSHOTS);
    expect(keys.filter((k) => k.endsWith(":asof"))).toHaveLength(KEEP_SNAPSHOTS);
    expect(keys.filter((k) => k.endsWith(":ids"))).toHaveLength(KEEP_SNAPSHOTS);
    expect(keys).not.toContain(huddleKey(1, "2026-11-01"));
    expect(keys).not.toContain(`${huddleKey(1, "2026-11-01")}:asof`);
    await setMeta(d, "huddle-draft:mine:2026-11-17", { a: ["b"] });
    await wipeUserData(d);
    expect(await d.meta.where("key").startsWith("huddle").count()).toBe(0);
    expect(await getMeta(d, "session")).toBeTruthy();
  });
});

describe("huddle details", () => {
  let d: GridwalkDB;
  leadDbEachTest((db) => (d = db));

  it("has no report ids before the first board was fetched", async () => {
    expect(await loadHuddleIds(d, 1, "2026-11-20")).toEqual([]);
  });

  it("asks for another grid's board by its id", async () => {
    const asked: string[] = [];
    const api = new ApiClient(d, async (url) => (asked.push(String(url)), new Response(JSON.stringify(huddle()), { status: 200 })));
    await refreshHuddle(d, api, 7, "2026-11-20");
    expect(asked).toEqual(["/api/huddle?date=2026-11-20&grid=7"]);
  });

  it("keeps the rest of the phone's data when old boards are dropped", async () => {
    const api = new ApiClient(d, async () => new Response(JSON.stringify(huddle()), { status: 200 }));
    await setMeta(d, "cursor", "42");
    for (let day = 1; day <= KEEP_SNAPSHOTS + 1; day++) {
      await refreshHuddle(d, api, 1, `2026-11-${String(day).padStart(2, "0")}`, () => new Date(Date.UTC(2026, 10, day)));
    }
    expect(await getMeta(d, "session")).toBeTruthy();
    expect(await getMeta(d, "cursor")).toBe("42");
    expect(await loadHuddle(d, 1, "2026-11-02")).toBeDefined();
  });

  it("hashes answers with FNV-1a", () => {
    // FNV-1a (32 bits) of "a" is e40c292c.
    expect(contentHash("a").startsWith("e40c292c")).toBe(true);
    expect(contentHash("").startsWith("811c9dc5")).toBe(true);
  });

  it("adds no reports to a ticket when none are picked, and withdraws a notice", async () => {
    await addReportsToTicket(d, "lead-1", "t1", []);
    expect(await d.outbox.count()).toBe(0);
    await withdrawNotice(d, "lead-1", "n1");
    expect((await d.outbox.toArray()).map((i) => [i.mutation.entity, i.mutation.entity_id, i.mutation.op])).toEqual([["notice", "n1", "delete"]]);
  });
});
