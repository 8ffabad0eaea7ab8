/** Running work when the page is idle, so it does not compete with drawing the first screen. */

type IdleApi = {
  requestIdleCallback?: (fn: () => void, opts?: { timeout: number }) => number;
  cancelIdleCallback?: (id: number) => void;
};

/** Calls `fn` once the main thread is idle (at the latest after `timeoutMs`); answers a cancel function. */
export function whenIdle(fn: () => void, timeoutMs = 2000): () => void {
  const g = globalThis as IdleApi;
  if (g.requestIdleCallback) {
    const id = g.requestIdleCallback(fn, { timeout: timeoutMs });
    return () => g.cancelIdleCallback?.(id);
  }
  const id = setTimeout(fn, 0);
  return () => clearTimeout(id);
}
