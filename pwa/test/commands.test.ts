import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { META, setMeta } from "../src/db/meta";
import {
  createCheckin,
  createReport,
  createVisit,
  deleteRecord,
  transitionReport,
  updateReport,
  type ReportDraft,
} from "../src/sync/commands";
import { describeConflict, valueText } from "../src/sync/conflicts";
import {
  createDepartment,
  createUser,
  listAudit,
  listDevices,
  loadDirectory,
  revokeDevice,
  updateUser,
} from "../src/sync/admin";
import { ApiClient } from "../src/sync/api";
import { freshDb } from "./helpers";

const NODE = "dev-1";
const NOW = Date.UTC(2026, 2, 1, 8, 30);
let d: GridwalkDB;

beforeEach(() => {
  d = freshDb();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(async () => {
  vi.useRealTimers();
  d.close();
  await d.delete();
});

const draft: ReportDraft = {
  grid_id: 3,
  category: "sanitation",
  subcategory: "",
  description: "overflowing bin",
  place: "  ",
  severity: 2,
  photos: ["a".repeat(64)],
  after_photos: [],
  status: "open",
};

const mutations = async () => (await d.outbox.toArray()).map((i) => i.mutation);

describe("what a patroller records", () => {
  it("a report, stamped with the phone's time, without the fields left blank", async () => {
    const id = await createReport(d, NODE, draft);
    const [m] = await mutations();
    expect(m).toMatchObject({ entity: "report", entity_id: id, op: "create" });
    expect(m.data).toEqual({
      grid_id: 3,
      category: "sanitation",
      description: "overflowing bin",
      severity: 2,
      photos: ["a".repeat(64)],
      after_photos: [],
      status: "open",
      tags: [],
      device_time: "2026-03-01T08:30:00.000Z",
    });
    expect((await d.records.get(["report", id]))?.sortAt).toBe("2026-03-01T08:30:00.000Z");
    await createReport(d, NODE, { ...draft, tags: ["night"] });
    expect((await mutations())[1].data.tags).toEqual(["night"]);
  });

  it("edits, state changes and deletions of a report", async () => {
    const id = await createReport(d, NODE, draft);
    await updateReport(d, NODE, id, {});
    await updateReport(d, NODE, id, { severity: 3 });
    await transitionReport(d, NODE, id, "solve", { after_photos: ["b".repeat(64)] });
    await transitionReport(d, NODE, id, "reopen");
    await deleteRecord(d, NODE, "report", id);
    expect((await mutations()).map((m) => [m.entity, m.entity_id, m.op, m.data])).toEqual([
      ["report", id, "create", expect.any(Object)],
      ["report", id, "update", { severity: 3 }],
      ["report", id, "solve", { after_photos: ["b".repeat(64)] }],
      ["report", id, "reopen", {}],
      ["report", id, "delete", {}],
    ]);
    expect((await d.records.get(["report", id]))?.deleted).toBe(true);
  });

  it("a check-in and a visit, each with its own time field", async () => {
    const c = await createCheckin(d, NODE, { grid_id: 3, checkpoint_id: 7, note: "", photos: [] });
    const v = await createVisit(d, NODE, { grid_id: 3, place_kind: "shop", place: "No. 5", contact_phone: " ", follow_up: true, photos: [] });
    const [checkin, visit] = await mutations();
    expect(checkin).toMatchObject({ entity: "checkin", entity_id: c, op: "create", data: { grid_id: 3, checkpoint_id: 7, photos: [], at: "2026-03-01T08:30:00.000Z" } });
    expect(checkin.data).not.toHaveProperty("note");
    expect(visit).toMatchObject({ entity: "visit", entity_id: v, op: "create", data: { place: "No. 5", follow_up: true, visited_at: "2026-03-01T08:30:00.000Z" } });
    expect(visit.data).not.toHaveProperty("contact_phone");
  });

  it("uses the time corrected by the server's clock", async () => {
    // The server said it is ten minutes later than this phone thinks.
    await setMeta(d, META.hlc, { last: null, offsetMs: 600_000 });
    const id = await createReport(d, NODE, draft);
    expect((await d.records.get(["report", id]))?.data.device_time).toBe("2026-03-01T08:40:00.000Z");
  });
});

describe("conflicts in words", () => {
  it("take one losing value or several, under either name", () => {
    expect(describeConflict({ losing: [{ value: 1 }, { value: 2 }] }).losing.map((s) => s.value)).toEqual([1, 2]);
    expect(describeConflict({ lost: { value: 5 } }).losing).toEqual([{ value: 5, actor: undefined, at: undefined }]);
    expect(describeConflict({}).losing).toEqual([]);
    expect(describeConflict({ losing: null }).losing).toEqual([]);
  });

  it("show bare values as they are, and leave out an unreadable who or when", () => {
    const info = describeConflict({ kept: "open", losing: [7, { status: "x" }, { value: 1, actor: "", hlc: "yesterday" }, { value: 2, actor: 9, hlc: 5 }] });
    expect(info.kept).toEqual({ value: "open" });
    expect(info.losing).toEqual([
      { value: 7 },
      { value: { status: "x" } },
      { value: 1, actor: undefined, at: undefined },
      { value: 2, actor: undefined, at: undefined },
    ]);
    expect(info).toMatchObject({ entity: "", entityId: "", field: "", kind: "" });
  });

  it("name the record and field", () => {
    expect(describeConflict({ entity: "ticket", entity_id: 12, field: "status", kind: "stale_base" })).toMatchObject({
      entity: "ticket",
      entityId: "12",
      field: "status",
      kind: "stale_base",
    });
  });

  it("write values as short text", () => {
    expect(valueText(undefined)).toBe("—");
    expect(valueText("")).toBe("");
    expect(valueText("closed")).toBe("closed");
    expect(valueText(3)).toBe("3");
  });
});

describe("the admin's set-up calls", () => {
  it("go to the admin API with the right method and body", async () => {
    await setMeta(d, META.session, { user: { id: 1, username: "admin" }, access_token: "a", refresh_token: "r" });
    const sent: string[] = [];
    const api = new ApiClient(d, async (url, init) => {
      sent.push(`${init?.method} ${String(url)} ${init?.body ?? ""}`);
      return Response.json(String(url).includes("/admin/users?") ? [{ id: 1 }] : String(url).includes("/admin/grids") ? [{ id: 2 }] : []);
    });
    const dir = await loadDirectory(api);
    expect(dir).toEqual({ users: [{ id: 1 }], grids: [{ id: 2 }], teams: [], departments: [], streets: [] });
    await createUser(api, { username: "li", password: "pw" });
    await updateUser(api, 5, { active: false });
    await createDepartment(api, { district_id: 1, code: "cg", name: "城管", name_en: "Urban management", categories: [] });
    await listDevices(api);
    await listDevices(api, 5);
    await revokeDevice(api, "phone/1");
    await listAudit(api);
    await listAudit(api, 20);
    expect(sent).toEqual([
      "GET /api/admin/users?limit=1000 ",
      "GET /api/admin/grids?limit=1000 ",
      "GET /api/admin/teams?limit=1000 ",
      "GET /api/admin/departments?limit=1000 ",
      "GET /api/admin/streets?limit=1000 ",
      'POST /api/admin/users {"username":"li","password":"pw"}',
      'PATCH /api/admin/users/5 {"active":false}',
      'POST /api/admin/departments {"district_id":1,"code":"cg","name":"城管","name_en":"Urban management","categories":[]}',
      "GET /api/admin/devices?limit=1000 ",
      "GET /api/admin/devices?limit=1000&user=5 ",
      "POST /api/admin/devices/phone%2F1/revoke ",
      "GET /api/admin/audit?limit=200 ",
      "GET /api/admin/audit?limit=20 ",
    ]);
  });
});
