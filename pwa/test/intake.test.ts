import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setMeta } from "../src/db/meta";
import type { GridwalkDB } from "../src/db/schema";
import { ApiClient, ApiError, type Session } from "../src/sync/api";
import type { GridName } from "../src/sync/desk";
import { assignCase, loadIntakeQueue, refreshIntakeQueue, type QueuedCase } from "../src/sync/intake";
import { gridChoices } from "../src/ui/supervisor/gridChoices";
import { freshDb } from "./helpers";

// Street 1's grids around 卖鱼桥 and 左家新村 (the demo district), one without a centre, and a grid of street 2.
const grid = (id: number, name: string, street: number, centre: [number, number] | null): GridName => ({
  id,
  code: `G${id}`,
  name,
  kind: "residential",
  street_id: street,
  community: "",
  center_lat: centre?.[0] ?? null,
  center_lon: centre?.[1] ?? null,
});
const GRIDS = [
  grid(1, "卖鱼桥第一网格", 1, [30.2985, 120.1498]),
  grid(2, "卖鱼桥第二网格", 1, [30.3035, 120.1505]),
  grid(3, "左家新村第一网格", 1, [30.2957, 120.1556]),
  grid(4, "左家新村第二网格", 1, null),
  grid(5, "湖墅第一网格", 2, [30.3016, 120.1499]),
];

const queued = (id: string, over: Partial<QueuedCase> = {}): QueuedCase => ({
  id,
  state: "queued",
  street_id: 1,
  grid_id: null,
  account: "hotline-12345",
  account_name: "12345市民热线",
  service_code: "facilities_damage",
  description: "井盖松动",
  lat: 30.3015,
  lon: 120.1498,
  address: "左家新村3幢门口",
  contact: {},
  requested_at: "2026-11-20T01:00:00+00:00",
  assigned_by: null,
  ...over,
});

describe("the grids a queued case may go to", () => {
  it("offers only the case's street's grids, nearest centre first, those without a centre last", () => {
    const choices = gridChoices(queued("c1"), GRIDS);
    expect(choices.map((c) => c.grid.id)).toEqual([2, 1, 3, 4]);
    expect(choices[0].distanceM).toBeGreaterThan(200);
    expect(choices[0].distanceM).toBeLessThan(300);
    expect(choices[3].distanceM).toBeNull();
  });

  it("offers every grid it knows for a case with no street", () => {
    expect(gridChoices(queued("c1", { street_id: null }), GRIDS).map((c) => c.grid.id)).toEqual([5, 2, 1, 3, 4]);
  });
});

describe("the kept queue", () => {
  let d: GridwalkDB;
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  beforeEach(async () => {
    d = freshDb();
    await setMeta(d, "session", { user: { id: 3, username: "street1", role: "supervisor" }, access_token: "a", refresh_token: "r" } satisfies Session);
  });
  afterEach(async () => {
    d.close();
    await d.delete();
  });

  it("keeps the street's queue and drops a case once it is placed", async () => {
    const asked: [string, string, unknown][] = [];
    const api = new ApiClient(d, async (url, init) => {
      asked.push([String(url), init?.method ?? "GET", init?.body ? JSON.parse(String(init.body)) : null]);
      return String(url).endsWith("/assign") ? json({ ...queued("c1"), state: "assigned", grid_id: 2 }) : json({ cases: [queued("c1"), queued("c2")] });
    });
    await refreshIntakeQueue(d, api, () => new Date("2026-11-20T10:00:00Z"));
    expect((await loadIntakeQueue(d))?.cases.map((c) => c.id)).toEqual(["c1", "c2"]);
    const placed = await assignCase(d, api, "c1", 2);
    expect([placed.state, placed.grid_id]).toEqual(["assigned", 2]);
    expect(asked[1]).toEqual(["/api/intake/queue/c1/assign", "POST", { grid_id: 2 }]);
    expect((await loadIntakeQueue(d))?.cases.map((c) => c.id)).toEqual(["c2"]);
  });

  it("drops a case someone else placed first, and says so", async () => {
    await setMeta(d, "desk:intake-queue", { fetchedAt: "2026-11-20T10:00:00Z", cases: [queued("c1"), queued("c2")] });
    const api = new ApiClient(d, async () => json({ error: { code: "invalid_state", message: "This case already has a grid." } }, 409));
    await expect(assignCase(d, api, "c1", 2)).rejects.toBeInstanceOf(ApiError);
    expect((await loadIntakeQueue(d))?.cases.map((c) => c.id)).toEqual(["c2"]);
  });

  it("keeps a case the server could not place for another reason", async () => {
    await setMeta(d, "desk:intake-queue", { fetchedAt: "2026-11-20T10:00:00Z", cases: [queued("c1")] });
    const api = new ApiClient(d, async () => json({ error: { code: "forbidden", message: "Not your grid." } }, 403));
    await expect(assignCase(d, api, "c1", 5)).rejects.toMatchObject({ status: 403 });
    expect((await loadIntakeQueue(d))?.cases.map((c) => c.id)).toEqual(["c1"]);
  });
});
