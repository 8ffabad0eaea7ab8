/** The TypeScript clock against the vectors tests/sync/test_hlc.py also uses (tests/fixtures/hlc_vectors.json). */
import { describe, expect, it } from "vitest";
import VECTORS from "../../tests/fixtures/hlc_vectors.json";
import {
  HybridLogicalClock,
  MAX_COUNTER,
  MAX_WALL_MS,
  SERVER_NODE,
  compareHlc,
  formatHlc,
  isServerNode,
  parseHlc,
  validateDeviceNode,
} from "../src/sync/hlc";

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const NOW = 1_750_000_000_000;
const f = (wall: number, counter: number, node: string) => formatHlc({ wall, counter, node });

function fakeTime(ms = NOW) {
  const t = { ms, now: () => t.ms };
  return t;
}

/** A small deterministic PRNG so the property-style loops are reproducible. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("HLC string", () => {
  it("round-trips with fixed widths", () => {
    const text = f(1_700_000_000_000, 7, "dev-a");
    expect(text).toBe("001700000000000:00007:dev-a");
    expect(parseHlc(text)).toEqual({ wall: 1_700_000_000_000, counter: 7, node: "dev-a" });
    expect(f(0, 0, "n")).toBe("000000000000000:00000:n");
  });

  it("string order is HLC order", () => {
    const r = rng(1);
    for (let i = 0; i < 500; i++) {
      const a = [Math.floor(r() * 1e6), Math.floor(r() * 3), r() < 0.5 ? "a" : "b"] as const;
      const b = [Math.floor(r() * 1e6), Math.floor(r() * 3), r() < 0.5 ? "a" : "b"] as const;
      const tupleLess = a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
      expect(f(...a) < f(...b)).toBe(tupleLess);
    }
    expect(compareHlc(f(9, MAX_COUNTER, "a"), f(10, 0, "a"))).toBeLessThan(0);
  });

  it.each(VECTORS.round_trip)("round-trips the shared vector $text", ({ text, wall, counter, node }) => {
    expect(f(wall, counter, node)).toBe(text);
    expect(parseHlc(text)).toEqual({ wall, counter, node });
  });

  it.each(VECTORS.ordered)("orders the shared vectors %s < %s", (earlier, later) => {
    expect(compareHlc(earlier, later)).toBeLessThan(0);
  });

  it.each([...VECTORS.invalid_strings, ...VECTORS.invalid_non_strings])("parse rejects %j", (bad) => {
    expect(() => parseHlc(bad)).toThrow(/HLC/);
  });

  it.each(VECTORS.unformattable as [number, number, string][])("format rejects (%s, %s, %j)", (wall, counter, node) => {
    expect(() => f(wall, counter, node)).toThrow();
  });

  it.each(VECTORS.reserved_device_stamps)("a device may not stamp as the server: %s", (stamp) => {
    expect(() => validateDeviceNode(stamp.split(":")[2])).toThrow();
  });

  it("a clock rejects a node with a colon", () => {
    expect(() => new HybridLogicalClock("dev:1")).toThrow();
  });
});

describe("HybridLogicalClock", () => {
  it("send uses physical time and counts within a millisecond", () => {
    const now = fakeTime();
    const clock = new HybridLogicalClock("phone", now.now);
    expect(clock.send()).toBe(f(NOW, 0, "phone"));
    expect(clock.send()).toBe(f(NOW, 1, "phone"));
    now.ms += 5;
    expect(clock.send()).toBe(f(NOW + 5, 0, "phone"));
    expect(clock.last).toBe(f(NOW + 5, 0, "phone"));
  });

  it("send is strictly increasing even when the wall clock jumps back", () => {
    const r = rng(7);
    for (let run = 0; run < 50; run++) {
      const now = fakeTime();
      const clock = new HybridLogicalClock("phone", now.now);
      let previous = clock.send();
      for (let i = 0; i < 50; i++) {
        now.ms = Math.max(0, now.ms + Math.round((r() * 2 - 1) * DAY_MS));
        const stamp = clock.send();
        expect(stamp > previous).toBe(true);
        previous = stamp;
      }
    }
  });

  it("counter overflow moves to the next millisecond", () => {
    const clock = new HybridLogicalClock("phone", fakeTime().now, { last: f(NOW, MAX_COUNTER, "phone") });
    expect(clock.send()).toBe(f(NOW + 1, 0, "phone"));
  });

  it("receive orders after both the remote and everything local", () => {
    const r = rng(3);
    for (let i = 0; i < 300; i++) {
      const localSkew = Math.round((r() * 2 - 1) * YEAR_MS);
      const remoteSkew = Math.round((r() * 2 - 1) * YEAR_MS);
      const counter = Math.floor(r() * MAX_COUNTER);
      const clock = new HybridLogicalClock("phone", fakeTime(NOW + localSkew).now);
      const before = clock.send();
      const remote = f(NOW + remoteSkew, counter, "server");
      const after = clock.receive(remote);
      expect(after > before).toBe(true);
      const a = parseHlc(after);
      const rm = parseHlc(remote);
      expect(a.wall > rm.wall || (a.wall === rm.wall && a.counter > rm.counter)).toBe(true);
      expect(clock.send() > after).toBe(true);
    }
  });

  it("receive follows the standard HLC rules", () => {
    const clock = new HybridLogicalClock("a", fakeTime(NOW).now, { last: f(NOW + 10, 3, "a") });
    expect(clock.receive(f(NOW + 10, 7, "b"))).toBe(f(NOW + 10, 8, "a"));
    expect(clock.receive(f(NOW + 20, 2, "b"))).toBe(f(NOW + 20, 3, "a"));
    expect(clock.receive(f(NOW + 5, 9, "b"))).toBe(f(NOW + 20, 4, "a"));
    const fresh = new HybridLogicalClock("a", fakeTime(NOW + 100).now);
    expect(fresh.receive(f(NOW, 9, "b"))).toBe(f(NOW + 100, 0, "a"));
  });

  it.each([YEAR_MS, -3 * DAY_MS])("observing the server corrects a phone clock that is %s ms off", (skew) => {
    const now = fakeTime(NOW + skew);
    const clock = new HybridLogicalClock("phone", now.now);
    clock.observeServer(f(NOW, 0, "server"));
    expect(clock.offsetMs).toBe(-skew);
    now.ms += 60_000;
    expect(clock.physicalMs()).toBe(NOW + 60_000);
  });

  it("an edit after observing the server is ordered after it, however slow the phone", () => {
    const clock = new HybridLogicalClock("phone", fakeTime(NOW - 3 * DAY_MS).now);
    const serverHlc = f(NOW, 42, "server");
    clock.observeServer(serverHlc);
    expect(clock.send() > serverHlc).toBe(true);
  });

  it("a phone that ran a year ahead stays monotonic unless rebased", () => {
    const clock = new HybridLogicalClock("phone", fakeTime(NOW + YEAR_MS).now);
    const ahead = clock.send();
    clock.observeServer(f(NOW, 0, "server"));
    expect(clock.send() > ahead).toBe(true);
    clock.observeServer(f(NOW + 10, 0, "server"), 3_600_000);
    const stamp = parseHlc(clock.send());
    expect(stamp.wall).toBeGreaterThanOrEqual(NOW + 10);
    expect(stamp.wall).toBeLessThan(NOW + 1000);
  });

  it("rebase leaves a clock alone when it is only slightly ahead", () => {
    const clock = new HybridLogicalClock("phone", fakeTime(NOW + 2000).now);
    const ahead = clock.send();
    clock.observeServer(f(NOW, 0, "server"), 3_600_000);
    expect(clock.send() > ahead).toBe(true);
  });

  it("restores from saved state", () => {
    const a = new HybridLogicalClock("phone", () => 1);
    a.observeServer(f(9000, 2, "server"));
    const b = new HybridLogicalClock("phone", () => 1, a.state());
    expect(b.send() > f(9000, 3, "phone")).toBe(true);
    expect(b.offsetMs).toBe(a.offsetMs);
  });
});

describe("the server's node name", () => {
  /** "server" in every mix of upper and lower case (64 spellings). */
  const spellings = Array.from({ length: 2 ** SERVER_NODE.length }, (_, mask) =>
    [...SERVER_NODE].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join(""),
  );

  it("no device clock may be named server, in any case", () => {
    expect(new Set(spellings).size).toBe(64);
    for (const node of spellings) {
      expect(isServerNode(node)).toBe(true);
      expect(() => new HybridLogicalClock(node)).toThrow(/reserved/);
      expect(() => validateDeviceNode(node)).toThrow(/reserved/);
    }
  });

  it("nodes that only resemble it are devices", () => {
    for (const node of ["server1", "servers", "my-server", "serve", "_server", "server."]) {
      expect(isServerNode(node)).toBe(false);
      expect(new HybridLogicalClock(node).send().endsWith(`:${node}`)).toBe(true);
    }
  });

  it("the server's own stamps are still parsed, received and observed", () => {
    const random = rng(11);
    for (let i = 0; i < 200; i++) {
      const stamp = f(NOW + Math.floor((random() - 0.5) * YEAR_MS), Math.floor(random() * MAX_COUNTER), "server");
      expect(parseHlc(stamp).node).toBe("server");
      const clock = new HybridLogicalClock("phone", fakeTime().now);
      clock.observeServer(stamp);
      expect(clock.send() > stamp).toBe(true);
    }
  });
});

describe("HLC edges, one by one", () => {
  it("refuses a wall time or counter that does not fit its digits", () => {
    expect(() => f(MAX_WALL_MS, MAX_COUNTER, "d")).not.toThrow();
    expect(() => f(MAX_WALL_MS + 1, 0, "d")).toThrow(new RangeError(`HLC wall_ms ${MAX_WALL_MS + 1} is outside 0..${MAX_WALL_MS}`));
    expect(() => f(-1, 0, "d")).toThrow(RangeError);
    expect(() => f(1.5, 0, "d")).toThrow(/wall_ms 1.5/);
    expect(() => f(0, MAX_COUNTER + 1, "d")).toThrow(new RangeError(`HLC counter ${MAX_COUNTER + 1} is outside 0..${MAX_COUNTER}`));
    expect(() => f(0, -1, "d")).toThrow(/counter -1/);
    expect(MAX_WALL_MS).toBe(999_999_999_999_999);
    expect(MAX_COUNTER).toBe(99_999);
  });

  it("refuses a node that is not a device id, saying what one is", () => {
    for (const node of ["", "a b", "a:b", "x".repeat(65), 5]) {
      expect(() => validateDeviceNode(node), String(node)).toThrow(RangeError);
      expect(() => validateDeviceNode(node), String(node)).toThrow(/must be 1-64 characters/);
    }
    expect(() => validateDeviceNode("Server")).toThrow(/reserved for the server's clock/);
    expect(validateDeviceNode("x".repeat(64))).toBe("x".repeat(64));
  });

  it("quotes a huge bad node only in part", () => {
    const node = "坏".repeat(5000);
    expect(() => validateDeviceNode(node)).toThrow(
      new RangeError(`HLC node ${JSON.stringify(node.slice(0, 100))} must be 1-64 characters of letters, digits, '-', '_' or '.'`),
    );
  });

  it("says what is wrong with a stamp that is not one, briefly", () => {
    expect(() => parseHlc(5)).toThrow(new SyntaxError("HLC must be a string, got number"));
    expect(() => parseHlc("yesterday")).toThrow(SyntaxError);
    expect(() => parseHlc("000000000000001:00000:a b")).toThrow(SyntaxError);
    expect(() => parseHlc("000000000000001:00000:a b")).toThrow(/must be 1-64 characters/);
    const thrown = (bad: string) => {
      try {
        parseHlc(bad);
      } catch (e) {
        return e as Error;
      }
      throw new Error(`${bad} parsed`);
    };
    // The stamp is quoted only up to its first 100 characters.
    const garbage = "9".repeat(5000);
    expect(thrown(garbage)).toBeInstanceOf(SyntaxError);
    expect(thrown(garbage).message.length).toBeLessThan(200);
    const longNode = `000000000000001:00000:${"x".repeat(5000)}`;
    expect(thrown(longNode).message.startsWith(`HLC ${JSON.stringify(longNode.slice(0, 100))}: HLC node`)).toBe(true);
  });

  it("orders stamps as strings", () => {
    const a = f(1, 0, "a");
    const b = f(1, 1, "a");
    expect(compareHlc(a, b)).toBe(-1);
    expect(compareHlc(b, a)).toBe(1);
    expect(compareHlc(a, a)).toBe(0);
  });

  it("refuses to restore from a saved stamp that is not one", () => {
    expect(() => new HybridLogicalClock("phone", () => 1, { last: "garbage", offsetMs: 0 })).toThrow(SyntaxError);
  });

  it("starts a fresh clock's first stamp at wall time zero with counter zero", () => {
    const clock = new HybridLogicalClock("phone", () => 0);
    expect(clock.send()).toBe(f(0, 0, "phone"));
    expect(clock.send()).toBe(f(0, 1, "phone"));
  });

  it("carries a full counter into the next millisecond", () => {
    const clock = new HybridLogicalClock("phone", () => 5, { last: f(5, MAX_COUNTER - 1, "phone"), offsetMs: 0 });
    expect(clock.send()).toBe(f(5, MAX_COUNTER, "phone"));
    expect(clock.send()).toBe(f(6, 0, "phone"));
  });

  it("rebases only a clock more than the given margin ahead", () => {
    for (const [ahead, rebased] of [[3_600_000, false], [3_600_001, true]] as const) {
      const clock = new HybridLogicalClock("phone", () => NOW, { last: f(NOW + ahead, 0, "phone"), offsetMs: 0 });
      const next = parseHlc(clock.observeServer(f(NOW, 0, "server"), 3_600_000));
      expect(next.wall, String(ahead)).toBe(rebased ? NOW : NOW + ahead);
    }
    const behind = new HybridLogicalClock("phone", () => NOW, { last: f(NOW - 10, 0, "phone"), offsetMs: 0 });
    expect(behind.observeServer(f(NOW, 3, "server"), 3_600_000)).toBe(f(NOW, 4, "phone"));
  });
});
