/**
 * Resumable, chunked upload of one content-addressed photo (docs/PROTOCOL.md §11 "Photos").
 *
 * HEAD tells whether the server has the photo and how many bytes of a partial
 * upload it holds; PUT sends the rest from that offset in chunks. A 409
 * offset_mismatch moves us to the offset the server expects.
 */

import type { ApiClient } from "../sync/api";
import { errorFrom } from "../sync/api";
import { CHUNK_SIZE } from "./geometry";

export type RemotePhotoState = { complete: true } | { complete: false; offset: number };

export async function headPhoto(api: ApiClient, sha: string): Promise<RemotePhotoState> {
  const res = await api.request(`/photos/${sha}`, { method: "HEAD" });
  if (res.ok && (res.headers.get("Photo-Status") ?? "complete") === "complete") return { complete: true };
  if (res.status === 404 || res.headers.get("Photo-Status")) {
    const offset = Number(res.headers.get("Upload-Offset") ?? 0);
    return { complete: false, offset: Number.isFinite(offset) && offset > 0 ? offset : 0 };
  }
  throw await errorFrom(res);
}

/**
 * Sends `blob` so that the server ends up with all of it. `onProgress` gets the
 * number of bytes the server holds after each chunk. Resolves when the server
 * has the complete photo; throws ApiError otherwise.
 */
export async function uploadPhoto(
  api: ApiClient,
  sha: string,
  blob: Blob,
  onProgress: (bytes: number) => void | Promise<void> = () => {},
  chunkSize = CHUNK_SIZE,
): Promise<void> {
  const total = blob.size;
  const state = await headPhoto(api, sha);
  if (state.complete) {
    await onProgress(total);
    return;
  }
  let offset = Math.min(state.offset, total);
  await onProgress(offset);
  // Each round trip either moves the offset forward or resets it to the
  // server's; the guard only stops a server that keeps contradicting itself.
  for (let rounds = 0; rounds < Math.ceil(total / chunkSize) + 8; rounds++) {
    const end = Math.min(total, offset + chunkSize);
    const res = await api.request(`/photos/${sha}`, {
      method: "PUT",
      body: blob.slice(offset, end, "image/jpeg"),
      headers: {
        "Content-Type": "image/jpeg",
        "Upload-Offset": String(offset),
        "Upload-Length": String(total),
      },
    });
    if (res.status === 200 || res.status === 201) {
      await onProgress(total);
      return;
    }
    if (res.status === 204 || res.status === 202) {
      const reported = Number(res.headers.get("Upload-Offset"));
      offset = Number.isFinite(reported) && reported > offset ? reported : end;
      if (offset >= total) {
        // Every byte sent yet no "stored" answer: ask where the server stands.
        const now = await headPhoto(api, sha);
        if (now.complete) {
          await onProgress(total);
          return;
        }
        offset = now.offset;
      }
      await onProgress(offset);
      continue;
    }
    const err = await errorFrom(res);
    if (res.status === 409 && err.code === "offset_mismatch") {
      const expected = Number((err.details as { expected_offset?: number } | undefined)?.expected_offset);
      if (Number.isFinite(expected) && expected >= 0 && expected <= total) {
        offset = expected;
        await onProgress(offset);
        continue;
      }
    }
    throw err;
  }
  throw new Error(`upload of ${sha} did not finish`);
}
