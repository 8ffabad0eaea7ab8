import { errorText } from "../../i18n";
import { ApiError } from "../../sync/api";

/** What went wrong with an admin call, in words, with the fields the server named. */
export function problem(e: unknown): string {
  if (e instanceof ApiError) {
    const details = e.details && typeof e.details === "object" ? Object.entries(e.details as Record<string, unknown>).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(" ") : String(v)}`) : [];
    return [errorText(e.code, e.message), ...details].join(" ");
  }
  return String((e as Error)?.message ?? e);
}
