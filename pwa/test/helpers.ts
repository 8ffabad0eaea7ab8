import { GridwalkDB } from "../src/db/schema";
import { uuid } from "../src/sync/mutation";

/** A fresh, empty database per test. */
export function freshDb(): GridwalkDB {
  return new GridwalkDB(`test-${uuid()}`);
}

/** A controllable clock. */
export function fakeClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}
