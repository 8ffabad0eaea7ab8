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

/**
 * An object URL for a photo at display size (≈1600 px): this device's own
 * bytes when it still holds them, else the server's display rendition. Not
 * kept: full-size photos are looked at, not carried offline. The caller
 * revokes the URL.
 */
export async function displayPhotoUrl(d: GridwalkDB, api: ApiClient, sha: string): Promise<string | null> {
  const row = await d.photos.get(sha);
  if (row?.blob) return URL.createObjectURL(row.blob);
  const res = await api.request(`/photos/${sha}?size=display`);
  if (!res.ok) return null;
  return URL.createObjectURL(await res.blob());
}
