/**
 * Photos waiting for the server. A photo's bytes stay in IndexedDB until a
 * HEAD says the server holds all of them; only then is the full-size blob
 * dropped (the small preview stays for offline display).
 */

import { pendingPhotos } from "../db/queries";
import type { GridwalkDB } from "../db/schema";
import { ApiError, type ApiClient } from "../sync/api";
import { headPhoto, uploadPhoto } from "./upload";

/** Stores a processed photo (idempotent: the same bytes are the same photo). */
export async function storePhoto(
  d: GridwalkDB,
  photo: { sha: string; blob: Blob; thumb?: Blob; width?: number; height?: number },
  now = new Date().toISOString(),
): Promise<void> {
  await d.transaction("rw", d.photos, async () => {
    const existing = await d.photos.get(photo.sha);
    if (existing && existing.status !== "remote") return;
    await d.photos.put({
      sha: photo.sha,
      blob: photo.blob,
      thumb: photo.thumb,
      size: photo.blob.size,
      width: photo.width,
      height: photo.height,
      status: "local",
      uploaded: 0,
      attempts: 0,
      createdAt: now,
    });
  });
}

export interface PhotoUploadSummary {
  uploaded: number;
  failed: number;
  lastError?: ApiError;
}

/** Uploads every pending photo, one at a time, recording progress in Dexie. */
export async function uploadPendingPhotos(d: GridwalkDB, api: ApiClient): Promise<PhotoUploadSummary> {
  const summary: PhotoUploadSummary = { uploaded: 0, failed: 0 };
  for (const photo of await pendingPhotos(d)) {
    if (!photo.blob) continue;
    await d.photos.update(photo.sha, { status: "uploading", attempts: photo.attempts + 1, error: undefined });
    try {
      await uploadPhoto(api, photo.sha, photo.blob, (bytes) => d.photos.update(photo.sha, { uploaded: bytes }).then(() => {}));
      const confirmed = await headPhoto(api, photo.sha);
      if (!confirmed.complete) throw new ApiError(0, "upload_incomplete", "server does not have every byte yet");
      await d.photos.update(photo.sha, {
        status: "uploaded",
        uploaded: photo.size,
        blob: undefined,
        confirmedAt: new Date().toISOString(),
      });
      summary.uploaded++;
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, "upload_failed", String((e as Error)?.message ?? e));
      await d.photos.update(photo.sha, { status: "local", error: err.code });
      summary.failed++;
      summary.lastError = err;
      // Offline or logged out: the rest would fail the same way.
      if (err.status === 0 || err.status === 401) break;
    }
  }
  return summary;
}
