import { existsSync } from "node:fs";
import { afterEach, beforeEach } from "vitest";
import { dirname, join } from "node:path";
import { GridwalkDB } from "../src/db/schema";
import { uuid } from "../src/sync/mutation";

/** A fresh, empty database per test. */
export function freshDb(): GridwalkDB {
  return new GridwalkDB(`test-${uuid()}`);
}

/**
 * A fresh database for each test of the enclosing suite, handed to ``use`` (which may fill it
 * before the test runs), deleted after the test.
 */
export function freshDbEachTest(use: (d: GridwalkDB) => unknown): void {
  let current: GridwalkDB;
  beforeEach(async () => {
    current = freshDb();
    await use(current);
  });
  afterEach(async () => {
    current.close();
    await current.delete();
  });
}

/** A controllable clock. */
export function fakeClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

/**
 * A file of the repository outside pwa/, found by walking up from this
 * directory (the mutation run works on a copy of pwa/ nested deeper).
 */
export function repositoryFile(path: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, path))) return join(dir, path);
    if (dirname(dir) === dir) throw new Error(`${path} not found above ${__dirname}`);
  }
}
