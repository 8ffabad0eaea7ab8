/**
 * Registers the service worker and offers a new version when one is waiting
 * (the user taps "update" so a half-filled form is never reloaded under them).
 */

import { signal } from "@preact/signals";

export const updateReady = signal(false);
let waiting: ServiceWorker | null = null;

export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator) || import.meta.env.DEV) return;
  const register = async () => {
    try {
      const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      const track = (w: ServiceWorker | null) => {
        if (!w) return;
        w.addEventListener("statechange", () => {
          if (w.state === "installed" && navigator.serviceWorker.controller) {
            waiting = w;
            updateReady.value = true;
          }
        });
      };
      if (reg.waiting && navigator.serviceWorker.controller) {
        waiting = reg.waiting;
        updateReady.value = true;
      }
      reg.addEventListener("updatefound", () => track(reg.installing));
      // Look for a new version now and then while the app stays open all day.
      setInterval(() => void reg.update().catch(() => {}), 60 * 60_000);
    } catch (e) {
      console.warn("service worker registration failed", e);
    }
  };
  // After the page has loaded, so precaching does not compete with first paint;
  // main() may call this after "load" already fired.
  if (document.readyState === "complete") void register();
  else addEventListener("load", () => void register(), { once: true });
}

export function applyUpdate(): void {
  if (!waiting) return;
  navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
  waiting.postMessage({ type: "SKIP_WAITING" });
}
