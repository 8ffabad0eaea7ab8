import { t, type MessageKey } from "../../i18n";
import { runtime } from "../../runtime";
import { loadIntakeQueue } from "../../sync/intake";
import { useLiveQuery } from "../hooks";
import type { Capabilities } from "../roles";
import { route } from "../router";

interface Tab {
  id: string;
  path: string;
  label: MessageKey;
  icon: string;
  routes: string[];
}

const PATROL: Tab[] = [
  { id: "today", path: "/today", label: "tab.today", icon: "🏠", routes: ["today", "history"] },
  { id: "checkin", path: "/checkin", label: "tab.checkin", icon: "📍", routes: ["checkin"] },
  { id: "report", path: "/report/new", label: "tab.report", icon: "📷", routes: ["report-new", "report", "report-edit"] },
  { id: "visit", path: "/visit/new", label: "tab.visit", icon: "🏘️", routes: ["visit-new", "visit"] },
];
const LEAD: Tab[] = [
  { id: "huddle", path: "/huddle", label: "tab.huddle", icon: "🗂️", routes: ["huddle"] },
  { id: "team", path: "/team", label: "tab.team", icon: "👥", routes: ["team"] },
];
const HOME: Tab = { id: "home", path: "/home", label: "tab.home", icon: "🏠", routes: ["home", "report", "notifications"] };
const SUPERVISE: Tab[] = [
  { id: "queue", path: "/queue", label: "tab.queue", icon: "📥", routes: ["queue"] },
  { id: "intake", path: "/intake", label: "tab.intake", icon: "☎️", routes: ["intake"] },
  { id: "board", path: "/board", label: "tab.board", icon: "🚦", routes: ["board", "ticket", "print"] },
];
const INBOX: Tab = { id: "inbox", path: "/inbox", label: "tab.inbox", icon: "📥", routes: ["inbox", "ticket", "print"] };
const ADMIN: Tab = { id: "admin", path: "/admin", label: "tab.admin", icon: "🛠️", routes: ["admin"] };
const DASHBOARD: Tab = { id: "dashboard", path: "/dashboard", label: "tab.dashboard", icon: "📊", routes: ["dashboard"] };
const SYNC: Tab = { id: "sync", path: "/sync", label: "tab.sync", icon: "🔄", routes: ["sync", "settings"] };

/** The tabs a role is offered: the patrol tabs for field roles, the huddle and team for the lead, each desk its screens. */
export function tabsFor(caps: Capabilities): Tab[] {
  const tabs = caps.capture ? [...PATROL] : [HOME];
  if (caps.huddle) tabs.push(LEAD[0]);
  if (caps.team) tabs.push(LEAD[1]);
  if (caps.dashboard) tabs.push(DASHBOARD);
  if (caps.supervise) tabs.push(...SUPERVISE);
  if (caps.inbox) tabs.push(INBOX);
  if (caps.admin) tabs.push(ADMIN);
  return [...tabs, SYNC];
}

const badgeText = (n: number) => (n > 99 ? "99+" : String(n));

/** The bottom tab bar: what this role does, all under the thumb; what waits is counted on its tab. */
export function TabBar({ pending, caps }: { pending: number; caps: Capabilities }) {
  const current = route.value.name;
  const tabs = tabsFor(caps);
  // Kept by every sync (sync/scheduler.ts) and by the screen itself.
  const waiting = useLiveQuery(async () => (caps.supervise ? ((await loadIntakeQueue(runtime().db))?.cases.length ?? 0) : 0), [caps.supervise]) ?? 0;
  const counts: Record<string, number> = { sync: pending, intake: waiting };
  return (
    <nav class="tabbar" aria-label={t("app.name")} style={{ gridTemplateColumns: `repeat(${tabs.length}, 1fr)` }}>
      {tabs.map((tab) => {
        const active = tab.routes.includes(current);
        const count = counts[tab.id] ?? 0;
        return (
          <a
            key={tab.id}
            href={`#${tab.path}`}
            class={active ? "tab active" : "tab"}
            aria-current={active ? "page" : undefined}
            data-testid={`tab-${tab.id}`}
            data-count={count}
            title={tab.id === "intake" && count ? t("tab.intake_waiting", { n: count }) : undefined}
            aria-label={tab.id === "intake" && count ? `${t(tab.label)} · ${t("tab.intake_waiting", { n: count })}` : undefined}
          >
            <span class="tab-icon" aria-hidden="true">
              {tab.icon}
              {count > 0 ? <span class="tab-badge" data-testid={`tab-${tab.id}-count`}>{badgeText(count)}</span> : null}
            </span>
            <span class="tab-label">{t(tab.label)}</span>
          </a>
        );
      })}
    </nav>
  );
}
