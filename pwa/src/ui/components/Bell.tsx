import { t } from "../../i18n";
import { runtime } from "../../runtime";
import { notificationView } from "../../sync/notifications";
import { useLiveQuery } from "../hooks";

/** The notification bell of every role, with the unread count; opens the feed. */
export function Bell() {
  const unread = useLiveQuery(() => notificationView(runtime().db).then((v) => v.unread), []) ?? 0;
  const label = unread ? `${t("bell.label")} · ${t("bell.unread", { n: unread })}` : t("bell.label");
  return (
    <a href="#/notifications" class="icon-btn bell" aria-label={label} title={label} data-testid="bell" data-unread={unread}>
      🔔
      {unread ? (
        <span class="bell-badge" data-testid="bell-count">
          {unread > 99 ? "99+" : unread}
        </span>
      ) : null}
    </a>
  );
}
