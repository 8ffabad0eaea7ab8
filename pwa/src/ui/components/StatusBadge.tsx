import { t, type MessageKey } from "../../i18n";
import type { RecordRow } from "../../db/schema";

/** Sync state of a record: not synced / rejected / synced. */
export function SyncBadge({ rec }: { rec: Pick<RecordRow, "pending" | "rejected"> }) {
  if (rec.rejected) return <span class="badge badge-error">{t("record.rejected")}</span>;
  if (rec.pending > 0) return <span class="badge badge-pending" data-testid="badge-pending">{t("record.pending")}</span>;
  return <span class="badge badge-ok">{t("record.synced")}</span>;
}

/** A report's status in words. */
export function StatusText({ status }: { status: unknown }) {
  const key = `status.${String(status ?? "open")}` as MessageKey;
  return <span class={`status status-${String(status ?? "open")}`}>{t(key)}</span>;
}
