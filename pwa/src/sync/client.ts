/**
 * The push/pull client — mirrors sync/client.py.
 *
 * One sync = upload pending photos, push the outbox in order (batch by batch,
 * each item settled only by the server's answer for it), then pull changes
 * from our cursor until the server says there are no more. Each push asks to
 * pull in the same round trip, so a sync with little to send is one request;
 * separate pulls follow only while more is waiting. Every answer's "hlc" goes
 * through receive() so later edits order after what was pulled.
 */

import { META, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import { uploadPendingPhotos } from "../photos/queue";
import { ApiError, type ApiClient } from "./api";
import { observeServer } from "./clock";
import type { PullResponse, PushResponse } from "./mutation";
import { applyPulled, markAttempt, markFailure, nextBatch, settle, type SettleSummary } from "./outbox";
import { noteOutcomes } from "./outcomes";

export const PUSH_BATCH = 50;
export const PULL_LIMIT = 200;

export interface PushBody {
  device_id: string;
  mutations: unknown[];
  /** Also pull from this cursor once the push is committed (the answer's "pull"). */
  pull?: { cursor: string | null; limit: number };
}

export interface SyncTransport {
  push(body: PushBody): Promise<PushResponse>;
  pull(cursor: string | undefined, limit: number): Promise<PullResponse>;
}

/** The HTTP transport over the API client. */
export function httpTransport(api: ApiClient): SyncTransport {
  return {
    push: (body) => api.json<PushResponse>("/sync/push", { method: "POST", json: body }),
    pull: (cursor, limit) => {
      const q = new URLSearchParams({ limit: String(limit) });
      if (cursor) q.set("cursor", cursor);
      return api.json<PullResponse>(`/sync/pull?${q}`);
    },
  };
}

export interface SyncReport extends SettleSummary {
  pulled: number;
  photosUploaded: number;
  photosFailed: number;
}

function asError(e: unknown): { code: string; message: string } {
  if (e instanceof ApiError) return { code: e.code, message: e.message };
  return { code: "error", message: String((e as Error)?.message ?? e) };
}

export interface PushSummary extends SettleSummary {
  /** Changes pulled with the pushes. */
  pulled: number;
  /** Whether the last answer's pull left nothing more waiting. */
  upToDate: boolean;
}

/**
 * Pushes every pending mutation, each batch pulling from our cursor in the
 * same round trip; stops at the first transport failure (the items stay).
 */
export async function pushOutbox(
  d: GridwalkDB,
  transport: SyncTransport,
  deviceId: string,
  batchSize = PUSH_BATCH,
  pullLimit = PULL_LIMIT,
): Promise<PushSummary> {
  const total: PushSummary = { applied: 0, duplicate: 0, conflict: 0, rejected: 0, unanswered: 0, pulled: 0, upToDate: false };
  for (;;) {
    const batch = await nextBatch(d, batchSize);
    if (batch.length === 0) break;
    await markAttempt(d, batch, new Date().toISOString());
    const cursor = (await getMeta<string>(d, META.cursor)) ?? null;
    let response: PushResponse;
    try {
      response = await transport.push({
        device_id: deviceId,
        mutations: batch.map((i) => i.mutation),
        pull: { cursor, limit: pullLimit },
      });
    } catch (e) {
      await markFailure(d, batch, asError(e));
      throw e;
    }
    // Just-answered mutations are not pulled yet: no rebase here (sync/client.py does the same).
    await observeServer(d, deviceId, response.hlc, false);
    const summary = await settle(d, batch, response.results ?? []);
    // A conflict leaves the outbox: keep the answer so the screen can say who acted first.
    if (summary.conflict) await noteOutcomes(d, batch, response.results ?? []);
    for (const k of Object.keys(summary) as (keyof SettleSummary)[]) total[k] += summary[k];
    // A server that does not pull with a push leaves it to pullChanges.
    total.upToDate = response.pull ? !(await applyPage(d, deviceId, response.pull)) : false;
    total.pulled += response.pull?.changes?.length ?? 0;
    // A server that answers for none of the batch would make us loop forever.
    if (summary.unanswered === batch.length) break;
  }
  return total;
}

/** Stores one pulled page with its cursor and observes its clock; answers whether more is waiting. */
async function applyPage(d: GridwalkDB, deviceId: string, page: PullResponse): Promise<boolean> {
  await applyPulled(d, page.changes ?? [], page.cursor);
  // After a complete pull, a clock that ran far ahead may be rebased, but
  // only when nothing it stamped still waits in the outbox.
  const idle = !page.more && (await d.outbox.where("status").equals("pending").count()) === 0;
  await observeServer(d, deviceId, page.hlc, idle);
  return page.more;
}

/** Pulls until the server has nothing more after our cursor; returns the number of changes. */
export async function pullChanges(
  d: GridwalkDB,
  transport: SyncTransport,
  deviceId: string,
  limit = PULL_LIMIT,
): Promise<number> {
  let count = 0;
  let cursor = await getMeta<string>(d, META.cursor);
  for (let page = 0; page < 10_000; page++) {
    const response = await transport.pull(cursor, limit);
    const more = await applyPage(d, deviceId, response);
    count += response.changes?.length ?? 0;
    if (!more || response.cursor === cursor) break;
    cursor = response.cursor;
  }
  return count;
}

/** One full sync: photos, push, pull. Records the outcome in meta for the Sync screen. */
export async function syncOnce(
  d: GridwalkDB,
  api: ApiClient,
  deviceId: string,
  transport: SyncTransport = httpTransport(api),
): Promise<SyncReport> {
  try {
    const photos = await uploadPendingPhotos(d, api);
    if (photos.lastError && (photos.lastError.status === 401 || photos.lastError.status === 0)) throw photos.lastError;
    const { upToDate, pulled: pulledWithPush, ...pushed } = await pushOutbox(d, transport, deviceId);
    const pulled = pulledWithPush + (upToDate ? 0 : await pullChanges(d, transport, deviceId));
    const report: SyncReport = { ...pushed, pulled, photosUploaded: photos.uploaded, photosFailed: photos.failed };
    await setMeta(d, META.lastSync, { at: new Date().toISOString(), report });
    await setMeta(d, META.lastSyncError, photos.lastError ? asError(photos.lastError) : null);
    return report;
  } catch (e) {
    await setMeta(d, META.lastSyncError, { ...asError(e), at: new Date().toISOString() });
    throw e;
  }
}
