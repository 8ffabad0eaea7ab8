/** A hash router: `#/report/<id>` etc. Hash routes need no server rewrite and work offline. */

import { signal } from "@preact/signals";

export interface Route {
  name: string;
  params: Record<string, string>;
}

const PATTERNS: [string, RegExp][] = [
  ["today", /^\/?$|^\/today$/],
  ["checkin", /^\/checkin$/],
  ["report-new", /^\/report\/new$/],
  ["report-edit", /^\/report\/(?<id>[^/]+)\/edit$/],
  ["report", /^\/report\/(?<id>[^/]+)$/],
  ["visit-new", /^\/visit\/new$/],
  ["visit", /^\/visit\/(?<id>[^/]+)$/],
  ["history", /^\/history$/],
  ["sync", /^\/sync$/],
  ["settings", /^\/settings$/],
  ["login", /^\/login$/],
  ["huddle", /^\/huddle(?:\/(?<date>\d{4}-\d{2}-\d{2}))?$/],
  ["team", /^\/team$/],
  ["home", /^\/home$/],
  ["queue", /^\/queue$/],
  ["intake", /^\/intake$/],
  ["board", /^\/board$/],
  ["inbox", /^\/inbox$/],
  ["ticket", /^\/ticket\/(?<id>[^/]+)$/],
  ["print", /^\/print\/(?<ids>[^/]+)$/],
  ["notifications", /^\/notifications$/],
  ["admin", /^\/admin(?:\/(?<section>[a-z]+))?$/],
  ["dashboard", /^\/dashboard(?:\?(?<search>.*))?$/],
];

/** The route a hash names; unknown hashes go to Today. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  for (const [name, re] of PATTERNS) {
    const m = re.exec(path);
    if (m) return { name, params: { ...(m.groups ?? {}) } };
  }
  return { name: "today", params: {} };
}

export const route = signal<Route>(parseHash(typeof location === "undefined" ? "" : location.hash));

if (typeof window !== "undefined") {
  addEventListener("hashchange", () => {
    route.value = parseHash(location.hash);
    window.scrollTo(0, 0);
  });
}

export function navigate(path: string): void {
  location.hash = `#${path}`;
}
