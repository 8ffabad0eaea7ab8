/** Preact hooks over Dexie: screens read the database and re-render when it changes. */

import { liveQuery } from "dexie";
import { useEffect, useRef, useState } from "preact/hooks";
import { getMeta } from "../db/meta";
import { runtime } from "../runtime";

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/**
 * The current result of a Dexie query, kept up to date. The query starts while the component
 * is first drawn, not in an effect after the paint: on a slow tablet that frame and the tasks
 * around it delayed every screen's data (the huddle board's by a few hundred ms).
 */
export function useLiveQuery<T>(query: () => Promise<T> | T, deps: unknown[]): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  const live = useRef<{ deps: unknown[]; stop: () => void } | null>(null);
  if (!live.current || !sameDeps(live.current.deps, deps)) {
    live.current?.stop();
    const sub = liveQuery(query).subscribe({
      next: (v) => setValue(() => v),
      error: (e) => console.error("live query failed", e),
    });
    live.current = { deps, stop: () => sub.unsubscribe() };
  }
  useEffect(() => () => live.current?.stop(), []);
  return value;
}

/** A `meta` value, live. */
export function useMeta<T>(key: string): T | undefined {
  return useLiveQuery(() => getMeta<T>(runtime().db, key), [key]);
}

/** navigator.onLine, live. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(typeof navigator === "undefined" ? true : navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    addEventListener("online", on);
    addEventListener("offline", off);
    return () => {
      removeEventListener("online", on);
      removeEventListener("offline", off);
    };
  }, []);
  return online;
}

/** An object URL for a blob, revoked when it changes or the component goes away. */
export function useObjectUrl(blob: Blob | undefined): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!blob) {
      setUrl(undefined);
      return;
    }
    const u = URL.createObjectURL(blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob]);
  return url;
}
