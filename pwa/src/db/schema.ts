/**
 * The phone's database (IndexedDB through Dexie).
 *
 * Everything the app shows comes from here: the server state of each record
 * with our unanswered mutations laid over it (`records`), the outbox of those
 * mutations, the photos waiting to upload, and small key/value facts (`meta`:
 * device id, session, clock, pull cursor, catalogue).
 */

import Dexie, { type Table } from "dexie";
import type { EntityState } from "../sync/merge";
import type { JsonObject, Mutation } from "../sync/mutation";

export interface RecordRow {
  entity: string;
  entity_id: string;
  /** Highest server version we know of (from a pull or a push answer); base of our next edit. */
  version: number | null;
  /** Version of `server`, the last state pulled. */
  pulledVersion: number | null;
  server: EntityState | null;
  /** What the user sees: `server` with pending mutations applied. */
  data: JsonObject;
  deleted: boolean;
  /** Mutations of this record still in the outbox. */
  pending: number;
  /** Some of them were rejected by the server and wait for the user. */
  rejected: boolean;
  /** ISO time used to order lists (report device_time, check-in at, visit visited_at). */
  sortAt: string;
}

export type OutboxStatus = "pending" | "rejected";

export interface OutboxItem {
  seq?: number;
  /** The mutation id, the server's dedupe key. */
  id: string;
  entity_id: string;
  mutation: Mutation;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
  lastAttemptAt?: string;
  /** The server's error for a rejected item (details: field -> messages), or why the last send failed. */
  lastError?: { code: string; message: string; details?: unknown };
}

export type PhotoStatus = "local" | "uploading" | "uploaded" | "remote";

export interface PhotoRow {
  sha: string;
  /** The downscaled JPEG; dropped once the server confirms it has every byte. */
  blob?: Blob;
  /** Small preview kept for offline display. */
  thumb?: Blob;
  size: number;
  width?: number;
  height?: number;
  status: PhotoStatus;
  uploaded: number;
  attempts: number;
  createdAt: string;
  confirmedAt?: string;
  error?: string;
}

export interface ConflictRow {
  id: string;
  entity?: string;
  entity_id?: string;
  field?: string;
  raw: JsonObject;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

export class GridwalkDB extends Dexie {
  records!: Table<RecordRow, [string, string]>;
  outbox!: Table<OutboxItem, number>;
  photos!: Table<PhotoRow, string>;
  conflicts!: Table<ConflictRow, string>;
  meta!: Table<MetaRow, string>;

  constructor(name = "gridwalk") {
    super(name);
    this.version(1).stores({
      records: "[entity+entity_id], entity, [entity+sortAt]",
      outbox: "++seq, &id, entity_id, status",
      photos: "&sha, status",
      conflicts: "&id",
      meta: "&key",
    });
  }
}

let current: GridwalkDB | null = null;

/** The app's database (one per page or worker). */
export function db(): GridwalkDB {
  if (!current) current = new GridwalkDB();
  return current;
}

/** Replaces the database, for tests. */
export function useDatabase(instance: GridwalkDB): void {
  current = instance;
}
