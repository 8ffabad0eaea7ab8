import { t, type MessageKey } from "../../i18n";
import { route } from "../router";

const TABS: { id: string; path: string; label: MessageKey; icon: string; routes: string[] }[] = [
  { id: "today", path: "/today", label: "tab.today", icon: "🏠", routes: ["today", "history"] },
  { id: "checkin", path: "/checkin", label: "tab.checkin", icon: "📍", routes: ["checkin"] },
  { id: "report", path: "/report/new", label: "tab.report", icon: "📷", routes: ["report-new", "report", "report-edit"] },
  { id: "visit", path: "/visit/new", label: "tab.visit", icon: "🏘️", routes: ["visit-new", "visit"] },
  { id: "sync", path: "/sync", label: "tab.sync", icon: "🔄", routes: ["sync", "settings"] },
];

/** The bottom tab bar: the five things a patroller does, all under the thumb. */
export function TabBar({ pending }: { pending: number }) {
  const current = route.value.name;
  return (
    <nav class="tabbar" aria-label={t("app.name")}>
      {TABS.map((tab) => {
        const active = tab.routes.includes(current);
        return (
          <a
            key={tab.id}
            href={`#${tab.path}`}
            class={active ? "tab active" : "tab"}
            aria-current={active ? "page" : undefined}
            data-testid={`tab-${tab.id}`}
          >
            <span class="tab-icon" aria-hidden="true">
              {tab.icon}
              {tab.id === "sync" && pending > 0 ? <span class="tab-badge">{pending > 99 ? "99+" : pending}</span> : null}
            </span>
            <span class="tab-label">{t(tab.label)}</span>
          </a>
        );
      })}
    </nav>
  );
}
