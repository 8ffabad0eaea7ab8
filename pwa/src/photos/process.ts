/** Turns a camera file into a stored, hashed, downscaled photo. */

import type { GridwalkDB } from "../db/schema";
import { downscale, type ProcessedPhoto } from "./downscale";
import { storePhoto } from "./queue";

let worker: Worker | null = null;
// A worker that failed (its module could not load, or it threw) is not asked again.
let workerFailed = false;
let nextId = 1;
const waiting = new Map<number, { resolve: (p: ProcessedPhoto) => void; reject: (e: Error) => void }>();

function photoWorker(): Worker | null {
  if (worker) return worker;
  if (workerFailed) return null;
  if (typeof Worker === "undefined" || typeof OffscreenCanvas === "undefined") return null;
  try {
    worker = new Worker(new URL("./downscale.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (ev: MessageEvent<{ id: number; result?: ProcessedPhoto; error?: string }>) => {
      const w = waiting.get(ev.data.id);
      waiting.delete(ev.data.id);
      if (!w) return;
      // Stryker disable LogicalOperator,StringLiteral: processPhoto catches every rejection and does the photo here, so the message is never read
      if (ev.data.result) w.resolve(ev.data.result);
      else w.reject(new Error(ev.data.error ?? "photo failed"));
    };
    // Stryker restore LogicalOperator,StringLiteral
    // A module worker that cannot load (a browser without module workers) or that throws never
    // answers: every photo waiting on it is done here instead, and so are the next ones.
    worker.onerror = (ev: Event) => {
      ev.preventDefault();
      worker?.terminate();
      worker = null;
      workerFailed = true;
      const pending = [...waiting.values()];
      waiting.clear();
      for (const w of pending) w.reject(new Error("photo worker failed"));
    };
    return worker;
  } catch {
    return null;
  }
}

/** Downscales in the worker when possible, else here. */
export function processPhoto(file: Blob): Promise<ProcessedPhoto> {
  const w = photoWorker();
  if (!w) return downscale(file);
  // Stryker disable next-line UpdateOperator: ids counting down are as unique as ids counting up
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, file });
  }).catch(() => downscale(file)) as Promise<ProcessedPhoto>;
}

/** Processes camera files and keeps them in IndexedDB; returns their hashes in order. */
export async function addPhotos(d: GridwalkDB, files: Iterable<File>): Promise<string[]> {
  const shas: string[] = [];
  for (const file of files) {
    const p = await processPhoto(file);
    await storePhoto(d, p);
    shas.push(p.sha);
  }
  return shas;
}
