/**
 * Downscale a camera photo to ~1600 px JPEG, apply EXIF orientation, hash it.
 * Runs in the photo worker (OffscreenCanvas) or, where that is missing, on the
 * main thread with a DOM canvas.
 */

import { JPEG_QUALITY, LONG_EDGE, THUMB_EDGE, fitWithin, sha256Hex } from "./geometry";

export interface ProcessedPhoto {
  sha: string;
  blob: Blob;
  thumb: Blob;
  width: number;
  height: number;
}

type AnyCanvas = OffscreenCanvas | HTMLCanvasElement;

function makeCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const c = document.createElement("canvas");
  c.width = width;
  c.height = height;
  return c;
}

function toJpeg(canvas: AnyCanvas, quality: number): Promise<Blob> {
  if ("convertToBlob" in canvas) return canvas.convertToBlob({ type: "image/jpeg", quality });
  return new Promise((resolve, reject) =>
    (canvas as HTMLCanvasElement).toBlob((b) => (b ? resolve(b) : reject(new Error("encode failed"))), "image/jpeg", quality),
  );
}

async function render(bitmap: ImageBitmap, maxEdge: number, quality: number): Promise<{ blob: Blob; width: number; height: number }> {
  const { width, height } = fitWithin(bitmap.width, bitmap.height, maxEdge);
  const canvas = makeCanvas(width, height);
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error("no 2d context");
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, width, height);
  return { blob: await toJpeg(canvas, quality), width, height };
}

/** The upload-ready JPEG (no EXIF left: the canvas drops it), its preview and its SHA-256. */
export async function downscale(file: Blob): Promise<ProcessedPhoto> {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const full = await render(bitmap, LONG_EDGE, JPEG_QUALITY);
    const thumb = await render(bitmap, THUMB_EDGE, 0.7);
    const sha = await sha256Hex(await full.blob.arrayBuffer());
    return { sha, blob: full.blob, thumb: thumb.blob, width: full.width, height: full.height };
  } finally {
    bitmap.close();
  }
}
