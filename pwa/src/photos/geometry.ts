/** Pure parts of the photo pipeline: target size, upload chunks, hash hex. */

export const LONG_EDGE = 1600;
export const THUMB_EDGE = 320;
export const JPEG_QUALITY = 0.82;
export const CHUNK_SIZE = 256 * 1024;

/** The size that fits `width`×`height` within `maxEdge` on its long side, keeping the ratio; never upscales. */
export function fitWithin(width: number, height: number, maxEdge: number = LONG_EDGE): { width: number; height: number } {
  if (width <= 0 || height <= 0) throw new RangeError("empty image");
  const long = Math.max(width, height);
  if (long <= maxEdge) return { width, height };
  const scale = maxEdge / long;
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

export interface Chunk {
  start: number;
  end: number;
}

/** The byte ranges [start, end) still to send, from `offset` to `total`, `size` at a time. */
export function chunkPlan(total: number, offset = 0, size: number = CHUNK_SIZE): Chunk[] {
  if (size <= 0) throw new RangeError("chunk size must be positive");
  const chunks: Chunk[] = [];
  for (let start = Math.max(0, offset); start < total; start += size) {
    chunks.push({ start, end: Math.min(total, start + size) });
  }
  return chunks;
}

/** Lowercase hex of a digest. */
export function toHex(buffer: ArrayBuffer | Uint8Array): string {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** SHA-256 hex of some bytes (crypto.subtle; available in workers, pages on https/localhost, and Node). */
export async function sha256Hex(data: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as BufferSource);
  return toHex(digest);
}
