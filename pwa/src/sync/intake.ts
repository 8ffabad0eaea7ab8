/**
 * The street's queue of Open311 cases (GET/POST /api/intake/queue…): cases
 * handed in (the 12345 hotline …) whose point lies in no grid. Placing one
 * goes straight to the server, online, like the admin's set-up calls; the
 * queue is also kept in IndexedDB, so the supervisor's tab can count what
 * waits and the screen opens from cache. Every sync refreshes it, so this
 * module is in the first load: the admin's keys are in intakeKeys.ts.
 */

import { DESK_PREFIX, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import { ApiError, type ApiClient } from "./api";

/** A case waiting for its street to pick a grid, as GET /api/intake/queue answers it. */
export interface QueuedCase {
  id: string;
  state: string;
  street_id: number | null;
  grid_id: number | null;
  /** The intake account's code (hotline-12345) and display name; absent from servers before they were answered. */
  account?: string;
  account_name?: string;
  service_code: string;
  description: string;
  lat: number;
  lon: number;
  address: string | null;
  contact: { first_name?: string; last_name?: string; phone?: string; email?: string };
  requested_at: string;
  assigned_by: string | null;
}

export interface IntakeQueue {
  /** When this device received it (ISO). */
  fetchedAt: string;
  cases: QueuedCase[];
}

export const INTAKE_QUEUE_KEY = `${DESK_PREFIX}intake-queue`;

/** Fetches the cases waiting in the caller's street (oldest first) and keeps them. */
export async function refreshIntakeQueue(d: GridwalkDB, api: ApiClient, now: () => Date = () => new Date()): Promise<IntakeQueue> {
  const body = await api.json<{ cases: QueuedCase[] }>("/intake/queue");
  const queue: IntakeQueue = { fetchedAt: now().toISOString(), cases: body.cases ?? [] };
  await setMeta(d, INTAKE_QUEUE_KEY, queue);
  return queue;
}

/** The kept queue, if this device ever fetched it. */
export function loadIntakeQueue(d: GridwalkDB): Promise<IntakeQueue | undefined> {
  return getMeta<IntakeQueue>(d, INTAKE_QUEUE_KEY);
}

/**
 * Sends a queued case to a grid, where it becomes a report in that grid's
 * huddle; the kept queue drops it at once. A case someone else placed first
 * (409) or that left the queue (404) is dropped too, and the error rethrown.
 */
export async function assignCase(d: GridwalkDB, api: ApiClient, caseId: string, gridId: number): Promise<QueuedCase> {
  const drop = async () => {
    const kept = await loadIntakeQueue(d);
    if (kept) await setMeta(d, INTAKE_QUEUE_KEY, { ...kept, cases: kept.cases.filter((c) => c.id !== caseId) });
  };
  try {
    const placed = await api.json<QueuedCase>(`/intake/queue/${encodeURIComponent(caseId)}/assign`, { method: "POST", json: { grid_id: gridId } });
    await drop();
    return placed;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 409)) await drop();
    throw e;
  }
}
