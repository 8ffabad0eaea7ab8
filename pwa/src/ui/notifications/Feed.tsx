/**
 * The notification feed, for every role: newest first, unread marked; a tap
 * marks it read (a `notification.read` mutation) and opens the ticket.
 */

import { locale } from "../../i18n";
import { runtime } from "../../runtime";
import { markRead, notificationView, refreshNotifications, type AppNotification } from "../../sync/notifications";
import { navigate } from "../router";
import { useLiveQuery } from "../hooks";
import { useRefresh } from "../desk/hooks";
import { RefreshBar, statusText, whenText } from "../desk/parts";
import { deskKey, dt } from "../desk/words";
import "../desk/desk.css";

function kindText(kind: string): string {
  const key = deskKey("n.kind.", kind);
  return key ? dt(key) : kind;
}

/** The feed screen. */
export function Feed() {
  const { db, api, deviceId, scheduler } = runtime();
  const view = useLiveQuery(() => notificationView(db), []);
  const { busy, error, refresh } = useRefresh(() => refreshNotifications(db, api), []);
  const open = async (n: AppNotification & { read: boolean }) => {
    if (!n.read && (await markRead(db, deviceId, [n.id]))) scheduler.soon();
    const ticket = n.data?.ticket_id ?? (n.entity === "ticket" ? n.entity_id : "");
    if (ticket) navigate(`/ticket/${ticket}`);
  };
  const unread = view?.items.filter((n) => !n.read) ?? [];
  return (
    <main class="screen desk dk-feed" data-testid="notification-feed">
      <header class="dk-head">
        <h1>{dt("n.title")}</h1>
        <span class="count" data-testid="feed-unread">{view?.unread ?? 0}</span>
        <button
          type="button"
          class="btn btn-secondary"
          disabled={!unread.length}
          onClick={() => void markRead(db, deviceId, unread.map((n) => n.id)).then(() => scheduler.soon())}
          data-testid="feed-mark-all"
        >
          {dt("n.mark_all")}
        </button>
      </header>
      <RefreshBar asOf={view?.fetchedAt || undefined} busy={busy} refresh={refresh} error={error} testid="feed" />
      {view && !view.items.length ? <p class="hint">{dt("n.empty")}</p> : null}
      <ul class="list">
        {(view?.items ?? []).map((n) => (
          <li key={n.id}>
            <button type="button" class={n.read ? "row dk-note-row" : "row dk-note-row dk-unread"} onClick={() => void open(n)} data-testid="notification" data-kind={n.kind} data-read={n.read ? "1" : "0"} data-ticket-id={n.data?.ticket_id ?? n.entity_id}>
              {!n.read ? <span class="dk-unread-dot" aria-label={dt("n.unread")} /> : null}
              <span class="grow">
                <strong>{kindText(n.kind)}</strong>
                {locale.value === "en" ? ": " : "："}
                {n.data?.title ?? ""}
                {n.data?.reason ? <span class="sub"> · {dt("n.reason", { reason: n.data.reason })}</span> : null}
                {n.data?.status ? <span class="sub"> · {statusText(n.data.status)}</span> : null}
              </span>
              <span class="when">{whenText(n.created_at)}</span>
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}
