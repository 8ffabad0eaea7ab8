/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell so the app opens with no network
 * from the second visit, serves index.html for every navigation, keeps photo
 * renditions (content-addressed, so immutable) in a cache, and flushes the
 * outbox on Background Sync — through an open tab if there is one, else itself.
 */

import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import { CacheFirst } from "workbox-strategies";
import { ExpirationPlugin } from "workbox-expiration";
import { GridwalkDB } from "./db/schema";
import { deviceId } from "./db/device";
import { ApiClient } from "./sync/api";
import { syncOnce } from "./sync/client";
import { withSyncLock } from "./sync/lock";
import { META, getMeta } from "./db/meta";
import type { Session } from "./sync/api";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

const BACKGROUND_SYNC_TAG = "gridwalk-sync";

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(new NavigationRoute(createHandlerBoundToURL("/index.html"), { denylist: [/^\/api\//] }));

registerRoute(
  ({ url, request }) => request.method === "GET" && url.pathname.startsWith("/api/photos/") && url.searchParams.has("size"),
  new CacheFirst({
    cacheName: "gridwalk-photos",
    plugins: [
      { cacheWillUpdate: async ({ response }) => (response.status === 200 ? response : null) },
      new ExpirationPlugin({ maxEntries: 800, maxAgeSeconds: 60 * 24 * 3600 }),
    ],
  }),
);

self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") void self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

async function backgroundSync(): Promise<void> {
  const windows = await self.clients.matchAll({ type: "window" });
  if (windows.length) {
    // A page is open: it owns the sync (and shows its progress).
    for (const w of windows) w.postMessage({ type: "sync-request" });
    return;
  }
  const d = new GridwalkDB();
  try {
    const session = await getMeta<Session>(d, META.session);
    if (!session || session.needsRelogin) return;
    const id = await deviceId(d);
    const api = new ApiClient(d);
    await withSyncLock(d, () => syncOnce(d, api, id));
  } finally {
    d.close();
  }
}

interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
}

self.addEventListener("sync", ((event: SyncEvent) => {
  if (event.tag === BACKGROUND_SYNC_TAG) event.waitUntil(backgroundSync());
}) as EventListener);
