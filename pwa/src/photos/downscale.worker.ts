/** Photo worker: keeps decoding, scaling and hashing off the main thread. */

import { downscale } from "./downscale";

interface WorkerScope {
  onmessage: ((event: MessageEvent<{ id: number; file: Blob }>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = async (event) => {
  const { id, file } = event.data;
  try {
    const result = await downscale(file);
    scope.postMessage({ id, result });
  } catch (e) {
    scope.postMessage({ id, error: String((e as Error)?.message ?? e) });
  }
};
