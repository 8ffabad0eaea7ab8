import { describe, expect, it } from "vitest";
import { HybridLogicalClock, compareHlc, formatHlc, parseHlc } from "../src/sync/hlc";

const NODE = "dev-a";

describe("HLC string", () => {
  it("is zero padded wall:counter:node", () => {
    expect(formatHlc({ wall: 1_700_000_000_000, counter: 7, node: NODE })).toBe("001700000000000:00007:dev-a");
    expect(formatHlc({ wall: 0, counter: 0, node: "n" })).toBe("000000000000000:00000:n");
  });

  it("round-trips through parse", () => {
    const s = "001700000000123:00042:3f2a-node";
    expect(formatHlc(parseHlc(s))).toBe(s);
  });

  it("rejects malformed strings", () => {
    expect(() => parseHlc("1700000000000:1:x")).toThrow();
    expect(() => parseHlc("001700000000000:00001:")).toThrow();
    expect(() => formatHlc({ wall: 1, counter: 100000, node: "x" })).toThrow();
  });

  it("string order is clock order", () => {
    const stamps = [
      formatHlc({ wall: 9, counter: 99999, node: "a" }),
      formatHlc({ wall: 10, counter: 0, node: "a" }),
      formatHlc({ wall: 10, counter: 1, node: "a" }),
      formatHlc({ wall: 100, counter: 0, node: "a" }),
    ];
    expect([...stamps].sort()).toEqual(stamps);
    expect(compareHlc(stamps[0], stamps[1])).toBeLessThan(0);
  });
});

describe("HybridLogicalClock", () => {
  it("uses the wall clock when it moves forward", () => {
    let t = 1000;
    const c = new HybridLogicalClock(NODE, () => t);
    expect(c.now()).toBe("000000000001000:00000:dev-a");
    t = 1005;
    expect(c.now()).toBe("000000000001005:00000:dev-a");
  });

  it("counts when the wall clock stands still or goes back", () => {
    let t = 1000;
    const c = new HybridLogicalClock(NODE, () => t);
    c.now();
    expect(c.now()).toBe("000000000001000:00001:dev-a");
    t = 900;
    expect(c.now()).toBe("000000000001000:00002:dev-a");
  });

  it("is strictly increasing", () => {
    let t = 5;
    const c = new HybridLogicalClock(NODE, () => t);
    let prev = c.now();
    for (let i = 0; i < 500; i++) {
      if (i % 7 === 0) t += 1;
      if (i % 50 === 0) t -= 3;
      const next = c.now();
      expect(next > prev).toBe(true);
      prev = next;
    }
  });

  it("receive() orders after the remote stamp", () => {
    const c = new HybridLogicalClock(NODE, () => 1000);
    const remote = "000000000005000:00003:server";
    const local = c.receive(remote);
    expect(local > remote).toBe(true);
    expect(c.now() > local).toBe(true);
  });

  it("receive() takes the larger counter when walls tie", () => {
    const c = new HybridLogicalClock(NODE, () => 5000);
    c.now(); // 5000:0
    expect(c.receive("000000000005000:00009:server")).toBe("000000000005000:00010:dev-a");
  });

  it("corrects a slow phone clock from the server stamp", () => {
    let t = 1_000_000; // the phone thinks it is much earlier than it is
    const c = new HybridLogicalClock(NODE, () => t);
    c.receive(`${String(1_000_000 + 3 * 86_400_000).padStart(15, "0")}:00000:server`);
    t += 60_000; // a minute later on the phone
    const stamp = parseHlc(c.now());
    expect(stamp.wall).toBe(1_000_000 + 3 * 86_400_000 + 60_000);
  });

  it("never goes backwards when corrected towards an earlier server time", () => {
    let t = 10_000_000; // the phone is days ahead
    const c = new HybridLogicalClock(NODE, () => t);
    const before = c.now();
    c.receive("000000000000001:00000:server");
    t += 1;
    const after = c.now();
    expect(after > before).toBe(true);
    expect(c.state().offsetMs).toBe(1 - 10_000_000);
  });

  it("carries the counter into the wall when it overflows", () => {
    const c = new HybridLogicalClock(NODE, () => 0, { wall: 10, counter: 99_999, offsetMs: 0 });
    expect(c.now()).toBe("000000000000011:00000:dev-a");
  });

  it("restores from saved state", () => {
    const a = new HybridLogicalClock(NODE, () => 1);
    a.receive("000000000009000:00002:server");
    const b = new HybridLogicalClock(NODE, () => 1, a.state());
    expect(b.now() > "000000000009000:00003:dev-a").toBe(true);
  });
});
