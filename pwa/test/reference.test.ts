import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { META, getMeta, setMeta } from "../src/db/meta";
import { ApiClient } from "../src/sync/api";
import {
  FALLBACK_CATEGORIES,
  categories,
  departments,
  displayName,
  refreshCatalogue,
  refreshConflicts,
  refreshMe,
  refreshTeam,
  teamMembers,
} from "../src/sync/reference";
import { freshDb, repositoryFile } from "./helpers";

let d: GridwalkDB;
let answers: Record<string, unknown>;
let api: ApiClient;

beforeEach(async () => {
  d = freshDb();
  answers = {};
  api = new ApiClient(d, async (url) => {
    const path = String(url).replace(/^\/api/, "");
    return path in answers ? Response.json(answers[path]) : new Response(null, { status: 404 });
  });
  await setMeta(d, META.session, { user: { id: 1, username: "u" }, access_token: "a", refresh_token: "r" });
});
afterEach(async () => {
  d.close();
  await d.delete();
});

/** Counts writes to one meta key, to tell a redraw-worthy change from a no-op. */
function countWrites(key: string): () => number {
  let writes = 0;
  d.meta.hook("creating", (k) => void (k === key && writes++));
  d.meta.hook("updating", (_m, k) => void (k === key && writes++));
  return () => writes;
}

describe("the built-in catalogue", () => {
  it("is the server's catalogue (server/catalogue.py), top level, in the same order", () => {
    const source = readFileSync(repositoryFile("server/catalogue.py"), "utf8");
    const server = [...source.matchAll(/^ {4}\("(\w+)", "([^"]+)", "([^"]+)", "([^"]+)", \[/gm)].map(([, code, name_zh, name_en, icon]) => ({
      code,
      name_zh,
      name_en,
      icon,
      subcategories: [],
    }));
    expect(server.length).toBeGreaterThan(5);
    expect(FALLBACK_CATEGORIES).toEqual(server);
  });

  it("is what a phone shows before it ever reached the server, and the server's copy after", async () => {
    expect(await categories(d)).toBe(FALLBACK_CATEGORIES);
    answers["/catalogue"] = { categories: [{ code: "x", name_zh: "甲", name_en: "X", subcategories: [] }], departments: [{ id: 1, code: "cg", name: "城管", name_en: "Urban management", categories: ["x"] }] };
    expect(await refreshCatalogue(d, api)).toHaveLength(1);
    expect((await categories(d)).map((c) => c.code)).toEqual(["x"]);
    expect((await departments(d)).map((p) => p.code)).toEqual(["cg"]);
  });

  it("is kept when the server sends an empty or broken catalogue", async () => {
    expect(await departments(d)).toEqual([]);
    answers["/catalogue"] = { categories: [] };
    await refreshCatalogue(d, api);
    answers["/catalogue"] = { categories: "none", departments: "none" };
    await refreshCatalogue(d, api);
    expect(await categories(d)).toBe(FALLBACK_CATEGORIES);
    expect(await getMeta(d, META.departments)).toBeUndefined();
  });
});

describe("who I am and my team", () => {
  it("keeps /me for offline use, writing only when it changed", async () => {
    const writes = countWrites(META.me);
    answers["/me"] = { user: { id: 1, username: "u" }, grid: null, team: null, beat: null };
    expect(await refreshMe(d, api)).toEqual(answers["/me"]);
    await refreshMe(d, api);
    expect(writes()).toBe(1);
    answers["/me"] = { user: { id: 1, username: "u", display_name: "U" }, grid: null, team: null, beat: null };
    await refreshMe(d, api);
    expect(writes()).toBe(2);
    expect(await getMeta(d, META.me)).toEqual(answers["/me"]);
  });

  it("keeps the team and names people by their display name", async () => {
    expect(await teamMembers(d)).toEqual([]);
    answers["/team"] = { grid: { id: 1, code: "g1", name: "一网格" }, members: [{ username: "wang", display_name: "王芳", role: "patroller" }] };
    await refreshTeam(d, api);
    const members = await teamMembers(d);
    expect(displayName(members, "wang")).toBe("王芳");
    expect(displayName(members, "li")).toBe("li");
    expect(displayName(members, "")).toBe("");
    expect(displayName(members, 42)).toBe("");
    expect(displayName([{ username: "zhao", display_name: "", role: "lead" }], "zhao")).toBe("zhao");
  });
});

describe("conflicts the server holds", () => {
  it("keeps them under the server's id, or one made from what they are about", async () => {
    answers["/conflicts"] = {
      conflicts: [
        { id: 7, entity: "report", entity_id: "r1", field: "severity" },
        { entity: "ticket", entity_id: "t1", field: "status" },
      ],
    };
    expect(await refreshConflicts(d, api)).toBe(2);
    const rows = await d.conflicts.toArray();
    expect(rows.map((r) => r.id).sort()).toEqual(["7", "ticket:t1:status:1"]);
    expect(rows.find((r) => r.id === "7")).toMatchObject({ entity: "report", entity_id: "r1", field: "severity" });
  });

  it("replaces the kept ones, and leaves them alone when nothing changed", async () => {
    answers["/conflicts"] = { conflicts: [{ id: "b" }, { id: "a" }] };
    await refreshConflicts(d, api);
    let writes = 0;
    d.conflicts.hook("creating", () => void writes++);
    d.conflicts.hook("deleting", () => void writes++);
    await refreshConflicts(d, api);
    expect(writes).toBe(0);
    answers["/conflicts"] = { conflicts: [{ id: "c" }] };
    await refreshConflicts(d, api);
    expect((await d.conflicts.toArray()).map((r) => r.id)).toEqual(["c"]);
    answers["/conflicts"] = {};
    expect(await refreshConflicts(d, api)).toBe(0);
    expect(await d.conflicts.count()).toBe(0);
  });
});
