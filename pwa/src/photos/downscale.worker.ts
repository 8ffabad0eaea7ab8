/// <reference lib="webworker" />
/** Photo worker: keeps decoding, scaling and hashing off the main thread. */

import { downscale } from "./downscale";

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = async (event: MessageEvent<{ id: number; file: Blob }>) => {
  const { id, file } = event.data;
  try {
    const result = await downscale(file);
    self.postMessage({ id, result });
  } catch (e) {
    self.postMessage({ id, error: String((e as Error)?.message ?? e) });
  }
};
