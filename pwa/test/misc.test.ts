import { describe, expect, it } from "vitest";
import { backoffDelay } from "../src/sync/backoff";
import { distanceM, nearest } from "../src/geo/position";
import { parseHash } from "../src/ui/router";
import { categoryIcon } from "../src/ui/categoryIcon";

describe("backoff", () => {
  it("is zero without failures", () => expect(backoffDelay(0)).toBe(0));
  it("doubles and is capped", () => {
    const mid = () => 0.5;
    expect(backoffDelay(1, mid)).toBe(3750);
    expect(backoffDelay(2, mid)).toBe(7500);
    expect(backoffDelay(3, mid)).toBe(15000);
    expect(backoffDelay(50, () => 1)).toBe(300_000);
  });
  it("stays within half..full of the ceiling", () => {
    expect(backoffDelay(4, () => 0)).toBe(20_000);
    expect(backoffDelay(4, () => 1)).toBe(40_000);
  });
});

describe("geo", () => {
  it("measures about 111 km per degree of latitude", () => {
    expect(distanceM({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_195, -2);
  });
  it("finds the nearest checkpoint", () => {
    const cps = [
      { id: "a", lat: 31.23, lon: 121.47 },
      { id: "b", lat: 31.2301, lon: 121.4701 },
    ];
    expect(nearest({ lat: 31.2302, lon: 121.4702 }, cps)?.point.id).toBe("b");
    expect(nearest({ lat: 0, lon: 0 }, [])).toBeUndefined();
  });
});

describe("router", () => {
  it("parses the app's routes", () => {
    expect(parseHash("")).toEqual({ name: "today", params: {} });
    expect(parseHash("#/report/new").name).toBe("report-new");
    expect(parseHash("#/report/abc")).toEqual({ name: "report", params: { id: "abc" } });
    expect(parseHash("#/report/abc/edit")).toEqual({ name: "report-edit", params: { id: "abc" } });
    expect(parseHash("#/nowhere").name).toBe("today");
  });
});

describe("category icons", () => {
  it("uses a glyph from the catalogue, else one per code", () => {
    expect(categoryIcon("sanitation", "🧹")).toBe("🧹");
    expect(categoryIcon("sanitation", "trash")).toBe("🗑️");
    expect(categoryIcon("unknown")).toBe("📋");
  });
});

import { describeConflict, valueText } from "../src/sync/conflicts";

describe("conflicts", () => {
  it("reads the server's kept and losing values with who and when", () => {
    const info = describeConflict({
      id: "c1",
      entity: "report",
      entity_id: "r1",
      field: "severity",
      kind: "concurrent_write",
      kept: { value: 3, actor: "g1-1", hlc: "001750000000000:00000:dev-a" },
      losing: { value: 1, actor: "g1-2", hlc: "001750000000500:00001:dev-b" },
    });
    expect(info.kept).toEqual({ value: 3, actor: "g1-1", at: 1_750_000_000_000 });
    expect(info.losing).toEqual([{ value: 1, actor: "g1-2", at: 1_750_000_000_500 }]);
    expect(valueText(["a", "b"])).toBe('["a","b"]');
    expect(valueText(null)).toBe("—");
  });
});

import { compact } from "../src/sync/commands";

describe("compact", () => {
  it("leaves out fields the user left empty but keeps falsy values that mean something", () => {
    expect(compact({ a: "", b: "  ", c: undefined, d: null, e: 0, f: false, g: [], h: "x" })).toEqual({ d: null, e: 0, f: false, g: [], h: "x" });
  });
});
