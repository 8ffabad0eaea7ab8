/**
 * Hybrid logical clock — mirrors sync/hlc.py.
 *
 * A timestamp is `${wall_ms:015d}:${counter:05d}:${node}`; zero padding makes
 * plain string comparison HLC order. The phone's own clock may be days off, so
 * every server HLC we receive also corrects `offsetMs`, the difference between
 * the server's wall time and ours: edits made after a pull are then ordered after
 * what was pulled, whatever the phone's clock says.
 */

export const WALL_DIGITS = 15;
export const COUNTER_DIGITS = 5;
export const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;

export interface HlcTimestamp {
  wall: number;
  counter: number;
  node: string;
}

export interface HlcState {
  wall: number;
  counter: number;
  offsetMs: number;
}

/** Formats a timestamp as the sortable HLC string. */
export function formatHlc(ts: HlcTimestamp): string {
  if (!Number.isInteger(ts.wall) || ts.wall < 0) throw new RangeError(`bad wall ${ts.wall}`);
  if (!Number.isInteger(ts.counter) || ts.counter < 0 || ts.counter > MAX_COUNTER) {
    throw new RangeError(`bad counter ${ts.counter}`);
  }
  if (!ts.node || ts.node.includes(":")) throw new RangeError(`bad node ${ts.node}`);
  const wall = String(ts.wall).padStart(WALL_DIGITS, "0");
  const counter = String(ts.counter).padStart(COUNTER_DIGITS, "0");
  return `${wall}:${counter}:${ts.node}`;
}

/** Parses an HLC string; throws on anything that is not one. */
export function parseHlc(value: string): HlcTimestamp {
  const m = /^(\d{15}):(\d{5}):([^:]+)$/.exec(value);
  if (!m) throw new SyntaxError(`not an HLC: ${value}`);
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3] };
}

/** Orders two HLC strings (negative, zero, positive) — string order is HLC order. */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class HybridLogicalClock {
  private wall: number;
  private counter: number;
  private offsetMs: number;

  constructor(
    readonly node: string,
    private readonly clock: () => number = Date.now,
    state?: HlcState,
  ) {
    this.wall = state?.wall ?? 0;
    this.counter = state?.counter ?? 0;
    this.offsetMs = state?.offsetMs ?? 0;
  }

  /** Our best idea of the real time: the device clock corrected by the last server HLC. */
  physical(): number {
    return Math.max(0, Math.floor(this.clock() + this.offsetMs));
  }

  /** The stamp for a local event; strictly greater than every stamp seen before. */
  now(): string {
    const pt = this.physical();
    if (pt > this.wall) {
      this.wall = pt;
      this.counter = 0;
    } else {
      this.bumpCounter(this.counter + 1);
    }
    return this.format();
  }

  /**
   * Merges a remote stamp (the server's "hlc" from a push or pull answer) and
   * returns the new local stamp, which is greater than both.
   *
   * A stamp from another node is taken as a reading of the true time and
   * corrects our offset. The clock never goes backwards even when the
   * correction lowers `physical()`: `wall` keeps the largest value seen.
   */
  receive(remote: string): string {
    const r = parseHlc(remote);
    if (r.node !== this.node) this.offsetMs = r.wall - this.clock();
    const pt = this.physical();
    const wall = Math.max(this.wall, r.wall, pt);
    let counter: number;
    if (wall === this.wall && wall === r.wall) counter = Math.max(this.counter, r.counter) + 1;
    else if (wall === this.wall) counter = this.counter + 1;
    else if (wall === r.wall) counter = r.counter + 1;
    else counter = 0;
    this.wall = wall;
    this.bumpCounter(counter);
    return this.format();
  }

  /** The state to persist so that a restarted app keeps its order and offset. */
  state(): HlcState {
    return { wall: this.wall, counter: this.counter, offsetMs: this.offsetMs };
  }

  private bumpCounter(counter: number): void {
    // The counter has five digits; past them, borrow a millisecond rather than
    // break the string order.
    if (counter > MAX_COUNTER) {
      this.wall += 1;
      this.counter = 0;
    } else {
      this.counter = counter;
    }
  }

  private format(): string {
    return formatHlc({ wall: this.wall, counter: this.counter, node: this.node });
  }
}
