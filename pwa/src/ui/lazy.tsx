/**
 * A screen loaded on first use (a dynamic import, so Vite puts it in its own
 * chunk): the patrol app's first load does not carry the lead's board.
 * The service worker precaches every chunk, so it also opens offline.
 */

import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";

export type LazyScreen<P> = ComponentType<P> & {
  /** Fetches the chunk ahead of use (when the app is idle), so opening the screen does not wait for it. */
  preload(): void;
};

/** A component that renders `load()`'s component once the chunk has arrived. */
export function lazyScreen<P extends object>(load: () => Promise<ComponentType<P>>): LazyScreen<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const start = () => {
    pending ??= load().then((c) => (loaded = c));
    return pending;
  };
  function LazyScreen(props: P) {
    const [, setReady] = useState(0);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      start().then(
        () => setReady((n) => n + 1),
        () => {
          pending = null;
          setFailed(true);
        },
      );
    }, [failed]);
    if (loaded) {
      const Screen = loaded;
      return <Screen {...props} />;
    }
    if (failed) {
      return (
        <main class="screen">
          <p class="error" role="alert">
            {t("lazy.failed")}
          </p>
          <button type="button" class="btn btn-secondary" onClick={() => setFailed(false)}>
            {t("sync.retry")}
          </button>
        </main>
      );
    }
    return (
      <main class="screen" aria-busy="true">
        {t("common.loading")}
      </main>
    );
  }
  LazyScreen.preload = () => {
    start().catch(() => {
      pending = null; // offline and not cached: the screen tries again when opened
    });
  };
  return LazyScreen;
}
