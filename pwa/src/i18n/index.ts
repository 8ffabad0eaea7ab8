/**
 * Messages and formatting in the user's language: zh-CN by default, English
 * when the browser prefers it, switchable in settings.
 */

import { signal } from "@preact/signals";
import { en } from "./en";
import { zhCN, type MessageKey } from "./zh-CN";

export type Locale = "zh-CN" | "en";
export type { MessageKey };

export const LOCALES: readonly Locale[] = ["zh-CN", "en"];
const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { "zh-CN": zhCN, en };
const STORAGE_KEY = "gridwalk.locale";

/** The first of the preferred languages we speak; zh-CN when none. */
export function pickLocale(preferred: readonly string[] | undefined): Locale {
  for (const tag of preferred ?? []) {
    const lang = tag.toLowerCase().split("-")[0];
    if (lang === "zh") return "zh-CN";
    if (lang === "en") return "en";
  }
  return "zh-CN";
}

function initialLocale(): Locale {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === "zh-CN" || saved === "en") return saved;
  } catch {
    // storage unavailable (private mode, worker)
  }
  const nav = globalThis.navigator;
  return pickLocale(nav?.languages?.length ? nav.languages : nav?.language ? [nav.language] : []);
}

export const locale = signal<Locale>(initialLocale());

/** Switches the language and remembers the choice. */
export function setLocale(next: Locale): void {
  locale.value = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered, still switched
  }
  if (typeof document !== "undefined") document.documentElement.lang = next;
}

/** A message with `{name}` placeholders filled in. */
export function translate(loc: Locale, key: MessageKey, params?: Record<string, string | number>): string {
  const text = CATALOGUES[loc][key] ?? zhCN[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? formatNumberOrString(loc, params[name]) : `{${name}}`));
}

function formatNumberOrString(loc: Locale, v: string | number): string {
  return typeof v === "number" ? formatNumber(v, loc) : v;
}

/** The message in the current language. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translate(locale.value, key, params);
}

// Making an Intl formatter costs far more than using one (a list of 200 times spent most of
// its drawing in the constructor): one per locale and options, kept.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(loc: Locale, opts?: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${loc}|${opts ? JSON.stringify(opts) : ""}`;
  let f = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!f) formatters.set(key, (f = new Intl.NumberFormat(loc, opts)));
  return f;
}

function dateFormat(loc: Locale, kind: "datetime" | "time"): Intl.DateTimeFormat {
  const key = `d|${loc}|${kind}`;
  let f = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    const opts: Intl.DateTimeFormatOptions =
      kind === "datetime" ? { dateStyle: "medium", timeStyle: "short" } : { hour: "2-digit", minute: "2-digit" };
    formatters.set(key, (f = new Intl.DateTimeFormat(loc, opts)));
  }
  return f;
}

export function formatNumber(n: number, loc: Locale = locale.value, opts?: Intl.NumberFormatOptions): string {
  return numberFormat(loc, opts).format(n);
}

export function formatDateTime(iso: string | number | Date | undefined, loc: Locale = locale.value): string {
  if (iso === undefined || iso === "") return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return dateFormat(loc, "datetime").format(d);
}

export function formatTime(iso: string | undefined, loc: Locale = locale.value): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return dateFormat(loc, "time").format(d);
}

/** Bytes as KB / MB in the locale's digits. */
export function formatBytes(bytes: number, loc: Locale = locale.value): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${formatNumber(v, loc, { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
}

/** Category / subcategory display name in the current language. */
export function localName(item: { name_zh: string; name_en: string }, loc: Locale = locale.value): string {
  return loc === "en" ? item.name_en || item.name_zh : item.name_zh || item.name_en;
}

/** A plain-words explanation of an error code. */
export function errorText(code: string | undefined, message?: string): string {
  if (!code) return "";
  const key = `error.${code}` as MessageKey;
  if (key in zhCN) return t(key);
  if (code === "upload_failed" || code === "upload_incomplete" || code.startsWith("http_5")) return t("error.server");
  return t("error.unknown", { message: message || code });
}
