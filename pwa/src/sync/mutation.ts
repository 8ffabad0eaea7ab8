/** The mutation model of the sync protocol (docs/PROTOCOL.md §4 "The mutation"). */

export type JsonObject = Record<string, unknown>;

export interface Mutation {
  id: string;
  entity: string;
  entity_id: string;
  op: string;
  hlc: string;
  base_version: number | null;
  data: JsonObject;
}

export type PushStatus = "applied" | "duplicate" | "conflict" | "rejected";

export interface PushResult {
  id: string;
  status: PushStatus;
  version?: number;
  error?: { code: string; message: string };
  conflict?: unknown;
}

export interface PushResponse {
  results: PushResult[];
  cursor?: string;
  hlc: string;
  /** Present when the push asked to pull in the same round trip. */
  pull?: PullResponse;
}

export interface Change {
  entity: string;
  entity_id: string;
  version: number;
  deleted: boolean;
  data: JsonObject | null;
}

export interface PullResponse {
  changes: Change[];
  cursor: string;
  more: boolean;
  hlc: string;
}

/** A set-field value in a mutation: a list adds, {add, remove} does both. */
export type SetPatch = string[] | { add?: string[]; remove?: string[] };

/** A random UUID v4, from crypto.randomUUID where there is one. */
export function uuid(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
