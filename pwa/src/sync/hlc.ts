/**
 * Hybrid logical clock — mirrors sync/hlc.py.
 *
 * A timestamp is `${wall_ms:015d}:${counter:05d}:${node}`; zero padding makes
 * plain string comparison HLC order, and the node (the device id) breaks ties.
 *
 * Phones have bad clocks, so the client follows the server: every push and
 * pull answer's "hlc" goes through `observeServer()`, which sets `offsetMs` so
 * that our physical time tracks the server's wall clock, then `receive()`s it
 * so an edit made after a pull is ordered after everything pulled. A clock
 * that once ran far ahead may be rebased back to server time, but only when
 * none of its own stamps is still waiting to be pushed.
 *
 * The node name `server` (any case) is the server's own clock; no device may
 * use it (sync/hlc.py refuses a device's stamp that names it). Every clock
 * here is a device's, so the constructor refuses that name; the server's
 * stamps are still parsed and received.
 */

export const WALL_DIGITS = 15;
export const COUNTER_DIGITS = 5;
export const MAX_WALL_MS = 10 ** WALL_DIGITS - 1;
export const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
export const MAX_NODE_LENGTH = 64;
export const SERVER_NODE = "server";

const NODE_RE = /^[A-Za-z0-9._-]{1,64}$/;
const HLC_RE = /^([0-9]{15}):([0-9]{5}):([\s\S]*)$/;

export interface HlcTimestamp {
  wall: number;
  counter: number;
  node: string;
}

/** What to persist to keep the clock monotonic across restarts. */
export interface HlcState {
  last: string | null;
  offsetMs: number;
}

/** The node if it is a valid HLC node (a device id); throws otherwise. */
export function validateNode(node: unknown): string {
  if (typeof node !== "string" || !NODE_RE.test(node)) {
    // Quoted at most 100 characters long, like the stamps below: a message never grows with its input.
    const quoted = JSON.stringify(typeof node === "string" ? node.slice(0, 100) : node);
    throw new RangeError(`HLC node ${quoted} must be 1-${MAX_NODE_LENGTH} characters of letters, digits, '-', '_' or '.'`);
  }
  return node;
}

/** Whether `node` names the server's clock (`server` in any case), which no device may use. */
export function isServerNode(node: string): boolean {
  return node.toLowerCase() === SERVER_NODE;
}

/** `validateNode` for a device's clock: also refuses the server's node name. */
export function validateDeviceNode(node: unknown): string {
  const valid = validateNode(node);
  if (isServerNode(valid)) throw new RangeError(`HLC node ${JSON.stringify(valid)} is reserved for the server's clock`);
  return valid;
}

/** Formats a timestamp as the sortable HLC string; throws when a part is out of range. */
export function formatHlc(ts: HlcTimestamp): string {
  const check = (name: string, v: number, top: number) => {
    if (!Number.isInteger(v) || v < 0 || v > top) throw new RangeError(`HLC ${name} ${v} is outside 0..${top}`);
  };
  check("wall_ms", ts.wall, MAX_WALL_MS);
  check("counter", ts.counter, MAX_COUNTER);
  validateNode(ts.node);
  return `${String(ts.wall).padStart(WALL_DIGITS, "0")}:${String(ts.counter).padStart(COUNTER_DIGITS, "0")}:${ts.node}`;
}

/** Parses an HLC string; throws on anything that is not one. */
export function parseHlc(value: unknown): HlcTimestamp {
  if (typeof value !== "string") throw new SyntaxError(`HLC must be a string, got ${typeof value}`);
  const m = HLC_RE.exec(value);
  if (!m) throw new SyntaxError(`HLC ${JSON.stringify(value.slice(0, 100))} is not '<15-digit wall ms>:<5-digit counter>:<node>'`);
  try {
    validateNode(m[3]);
  } catch (e) {
    throw new SyntaxError(`HLC ${JSON.stringify(value.slice(0, 100))}: ${(e as Error).message}`);
  }
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3] };
}

/** Orders two HLC strings (negative, zero, positive) — string order is HLC order. */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class HybridLogicalClock {
  readonly node: string;
  /** The last timestamp this clock emitted or received (null for a fresh clock). */
  last: string | null;
  offsetMs: number;

  constructor(
    node: string,
    private readonly nowMs: () => number = Date.now,
    state?: Partial<HlcState>,
  ) {
    this.node = validateDeviceNode(node);
    if (state?.last != null) parseHlc(state.last);
    this.last = state?.last ?? null;
    this.offsetMs = Math.trunc(state?.offsetMs ?? 0);
  }

  /** This node's idea of the wall clock: now + offset, never negative. */
  physicalMs(): number {
    return Math.max(0, Math.floor(this.nowMs()) + this.offsetMs);
  }

  private lastParts(): [number, number] {
    if (this.last === null) return [-1, 0];
    const ts = parseHlc(this.last);
    return [ts.wall, ts.counter];
  }

  private emit(wall: number, counter: number): string {
    // A counter overflow carries into the next millisecond.
    if (counter > MAX_COUNTER) {
      wall += 1;
      counter = 0;
    }
    this.last = formatHlc({ wall, counter, node: this.node });
    return this.last;
  }

  /** A timestamp for a new local event, greater than every one seen so far. */
  send(): string {
    const physical = this.physicalMs();
    const [lastWall, lastCounter] = this.lastParts();
    if (physical > lastWall) return this.emit(physical, 0);
    return this.emit(lastWall, lastCounter + 1);
  }

  /** Merges a timestamp from elsewhere; returns the new local timestamp. */
  receive(remote: string): string {
    const ts = parseHlc(remote);
    const physical = this.physicalMs();
    const [lastWall, lastCounter] = this.lastParts();
    const wall = Math.max(lastWall, ts.wall, physical);
    let counter: number;
    if (wall === lastWall && wall === ts.wall) counter = Math.max(lastCounter, ts.counter) + 1;
    else if (wall === lastWall) counter = lastCounter + 1;
    else if (wall === ts.wall) counter = ts.counter + 1;
    else counter = 0;
    return this.emit(wall, counter);
  }

  /**
   * Follows the server's clock: adopts its wall time as physical time, then
   * receives it. With `rebaseAheadMs`, a clock whose last stamp is more than
   * that far ahead of the server is moved back to server time first — only
   * safe when none of this node's stamps is still waiting to be pushed.
   */
  observeServer(serverHlc: string, rebaseAheadMs?: number): string {
    const ts = parseHlc(serverHlc);
    this.offsetMs = ts.wall - Math.floor(this.nowMs());
    if (rebaseAheadMs !== undefined && this.last !== null && parseHlc(this.last).wall - ts.wall > rebaseAheadMs) {
      this.last = null;
    }
    return this.receive(serverHlc);
  }

  state(): HlcState {
    return { last: this.last, offsetMs: this.offsetMs };
  }
}
