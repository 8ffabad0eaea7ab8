import { describe, expect, it } from "vitest";
import { parseParams, toSearch } from "../src/ui/dashboard/Dashboard";
import { fitRings, heat, linePoints, niceScale, rateColour, ringCentre } from "../src/ui/dashboard/geometry";
import { capabilities, routeAllowed } from "../src/ui/roles";
import { parseHash } from "../src/ui/router";

describe("dashboard geometry", () => {
  it("rounds an axis up to 1, 2 or 5 times a power of ten", () => {
    expect(niceScale(0)).toEqual({ top: 4, step: 1 });
    expect(niceScale(3)).toEqual({ top: 3, step: 1 });
    expect(niceScale(13)).toEqual({ top: 15, step: 5 });
    expect(niceScale(870)).toEqual({ top: 1000, step: 500 });
    for (const max of [1, 7, 19, 101, 2499]) {
      const { top, step } = niceScale(max);
      expect(top).toBeGreaterThanOrEqual(max);
      expect(top / step).toBeLessThanOrEqual(8);
    }
  });

  it("lays a series across the width, zero at the bottom and the top value at the top", () => {
    expect(linePoints([0, 5, 10], 100, 0, 50, 10)).toBe("0,50 50,25 100,0");
    expect(linePoints([3], 100, 0, 50, 10)).toBe("50,35");
  });

  it("fits grid rings in the canvas with north up and east right", () => {
    const west = [[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.01], [120.0, 30.0]];
    const east = west.map(([lon, lat]) => [lon + 0.02, lat]);
    const project = fitRings([west, east], 400, 200, 10);
    const [wx, wy] = project([ringCentre(west)]).split(",").map(Number);
    const [ex, ey] = project([ringCentre(east)]).split(",").map(Number);
    expect(ex).toBeGreaterThan(wx);
    expect(ey).toBeCloseTo(wy, 5);
    const all = [west, east].flatMap((r) => project(r).split(" ").map((p) => p.split(",").map(Number)));
    for (const [x, y] of all) {
      expect(x).toBeGreaterThanOrEqual(9.9);
      expect(x).toBeLessThanOrEqual(390.1);
      expect(y).toBeGreaterThanOrEqual(9.9);
      expect(y).toBeLessThanOrEqual(190.1);
    }
    const [, northY] = project([[120.005, 30.01]]).split(",").map(Number);
    const [, southY] = project([[120.005, 30.0]]).split(",").map(Number);
    expect(northY).toBeLessThan(southY);
  });

  it("colours more open problems deeper and a missing rate grey", () => {
    const light = (c: string) => Number(/(\d+(?:\.\d+)?)%\)$/.exec(c)![1]);
    expect(light(heat(10, 10))).toBeLessThan(light(heat(1, 10)));
    expect(rateColour(null)).toBe("#e2e8f0");
    expect(rateColour(1)).not.toBe(rateColour(0));
  });
});

describe("dashboard route", () => {
  it("reads its period, unit and mode from the hash and writes them back", () => {
    const route = parseHash("#/dashboard?period=week&date=2026-11-15&scope=grid&id=3&wall=1&map=on_time");
    expect(route.name).toBe("dashboard");
    const params = parseParams(route.params.search);
    expect(params).toEqual({ query: { period: "week", date: "2026-11-15", scope: "grid", id: 3 }, wall: true,
                             metric: "on_time" });
    expect(parseParams(toSearch(params))).toEqual(params);
    expect(parseParams("period=year&date=yesterday&id=-1").query).toEqual({ period: "month", date: undefined,
                                                                             scope: undefined, id: undefined });
    expect(parseHash("#/dashboard").name).toBe("dashboard");
  });

  it("is offered to supervisors and admins only", () => {
    expect(routeAllowed("dashboard", capabilities("supervisor"))).toBe(true);
    expect(routeAllowed("dashboard", capabilities("admin"))).toBe(true);
    for (const role of ["patroller", "lead", "department"]) expect(routeAllowed("dashboard", capabilities(role))).toBe(false);
  });
});
