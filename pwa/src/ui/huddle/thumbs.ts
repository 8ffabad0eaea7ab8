/**
 * Thumbnails for long lists: one object URL per photo for the page's life,
 * read from IndexedDB once, and fetched from the server (then kept) only when
 * the thumbnail scrolls into view. A live query per thumbnail, as the patrol
 * screens use, costs too much for a board of 200 reports.
 */

import { loadRemoteThumb } from "../../photos/remote";
import { runtime } from "../../runtime";

const urls = new Map<string, Promise<string | null>>();

/** An object URL for a photo's preview, or null when there is none to be had (yet). */
export function thumbUrl(sha: string): Promise<string | null> {
  let p = urls.get(sha);
  if (!p) {
    p = (async () => {
      const { db, api } = runtime();
      let row = await db.photos.get(sha);
      if (!row?.thumb && !row?.blob && navigator.onLine) {
        await loadRemoteThumb(db, api, sha);
        row = await db.photos.get(sha);
      }
      const blob = row?.thumb ?? row?.blob;
      return blob ? URL.createObjectURL(blob) : null;
    })().catch(() => null);
    // A miss (offline, not uploaded yet) may be had later: do not remember it.
    void p.then((url) => {
      if (!url) urls.delete(sha);
    });
    urls.set(sha, p);
  }
  return p;
}
