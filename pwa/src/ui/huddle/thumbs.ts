/**
 * Thumbnails for the board's long lists: an object URL per photo for the page's life, loaded in
 * the background once the board is drawn (a few at a time, while the tablet is idle) rather
 * than as each scrolls into view, so scrolling through 200 reports runs no code of ours. A live
 * query per thumbnail, as the patrol screens use, costs too much for a board of 200 reports.
 */

import { getPhoto } from "../../db/queries";
import { whenIdle } from "../../idle";
import { loadRemoteThumb } from "../../photos/remote";
import { runtime } from "../../runtime";

const urls = new Map<string, string>();
const loading = new Map<string, Promise<string | null>>();
const waiting = new Map<string, Set<(url: string) => void>>();

/** The object URL of a photo's preview, if it is loaded already. */
export function loadedThumb(sha: string): string | undefined {
  return urls.get(sha);
}

/** Calls `fn` once a photo's preview is loaded; answers an unsubscribe function. */
export function onThumb(sha: string, fn: (url: string) => void): () => void {
  const set = waiting.get(sha) ?? new Set();
  set.add(fn);
  waiting.set(sha, set);
  return () => set.delete(fn);
}

/** Loads one preview: from IndexedDB, else (online) from the server, then kept there. */
export function loadThumb(sha: string): Promise<string | null> {
  const done = urls.get(sha);
  if (done) return Promise.resolve(done);
  let p = loading.get(sha);
  if (!p) {
    p = (async () => {
      const { db, api } = runtime();
      let row = await getPhoto(db, sha);
      if (!row?.thumb && !row?.blob && navigator.onLine) {
        await loadRemoteThumb(db, api, sha);
        row = await getPhoto(db, sha);
      }
      const blob = row?.thumb ?? row?.blob;
      if (!blob) return null;
      const url = URL.createObjectURL(blob);
      urls.set(sha, url);
      for (const fn of waiting.get(sha) ?? []) fn(url);
      waiting.delete(sha);
      return url;
    })()
      .catch(() => null)
      // A miss (offline, not uploaded yet) may be had later: do not remember it.
      .finally(() => loading.delete(sha));
    loading.set(sha, p);
  }
  return p;
}

/** Loads the previews of a list of photos in the background, a few per idle period; answers a cancel function. */
export function preloadThumbs(shas: readonly string[], batch = 4): () => void {
  const queue = [...new Set(shas)].filter((sha) => !urls.has(sha));
  let cancel = () => {};
  let stopped = false;
  const next = () => {
    if (stopped || queue.length === 0) return;
    const some = queue.splice(0, batch);
    void Promise.all(some.map(loadThumb)).then(() => {
      cancel = whenIdle(next, 1000);
    });
  };
  cancel = whenIdle(next, 1000);
  return () => {
    stopped = true;
    cancel();
  };
}
