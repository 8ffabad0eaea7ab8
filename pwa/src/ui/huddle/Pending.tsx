import { outboxItemsOf } from "../../db/queries";
import { errorText, formatTime, t } from "../../i18n";
import { useLiveQuery } from "../hooks";
import { useBoard } from "./context";
import { BOARD_ENTITIES, actionText } from "./words";

/** The board's actions still in the outbox: what a tablet that lost Wi-Fi has not sent yet. */
export function Pending() {
  const { db } = useBoard();
  const items = useLiveQuery(() => outboxItemsOf(db, BOARD_ENTITIES), []) ?? [];
  if (items.length === 0) {
    return (
      <p class="hb-pending hb-pending-none" data-testid="huddle-pending" data-count="0">
        {t("huddle.pending.none")}
      </p>
    );
  }
  return (
    <details class="hb-pending banner banner-warn" data-testid="huddle-pending" data-count={items.length}>
      <summary>{t("huddle.pending", { n: items.length })}</summary>
      <ul class="list">
        {items.map((item) => (
          <li key={item.seq} class="row" data-testid="huddle-pending-item" data-status={item.status}>
            <span class="sub">{formatTime(item.createdAt)}</span>
            <span class="grow">{actionText(item)}</span>
            {item.status === "rejected" ? <span class="error">{errorText(item.lastError?.code, item.lastError?.message)}</span> : null}
          </li>
        ))}
      </ul>
      <a href="#/sync">{t("huddle.pending.open_sync")}</a>
    </details>
  );
}
