/** Previews of photos taken on other phones, fetched once and kept for offline display. */

import type { GridwalkDB } from "../db/schema";
import type { ApiClient } from "../sync/api";

const inFlight = new Map<string, Promise<void>>();

/** Fetches the server's thumbnail of a photo we do not hold, and stores it. */
export function loadRemoteThumb(d: GridwalkDB, api: ApiClient, sha: string): Promise<void> {
  let p = inFlight.get(sha);
  if (!p) {
    p = (async () => {
      const existing = await d.photos.get(sha);
      if (existing?.thumb) return;
      const res = await api.request(`/photos/${sha}?size=thumb`);
      if (!res.ok) return;
      const thumb = await res.blob();
      await d.photos.put(
        existing
          ? { ...existing, thumb }
          : { sha, thumb, size: 0, status: "remote", uploaded: 0, attempts: 0, createdAt: new Date().toISOString() },
      );
    })()
      .catch(() => {})
      .finally(() => inFlight.delete(sha));
    inFlight.set(sha, p);
  }
  return p;
}
