import { locale, t } from "../i18n";
import { runtime } from "../runtime";
import type { Session } from "../sync/api";
import { Banner } from "./components/Banner";
import { TabBar } from "./components/TabBar";
import { useLiveQuery, useMeta, useOnline } from "./hooks";
import { route, navigate } from "./router";
import { Checkin } from "./screens/Checkin";
import { History } from "./screens/History";
import { Login } from "./screens/Login";
import { ReportDetail } from "./screens/ReportDetail";
import { ReportForm } from "./screens/ReportForm";
import { Settings } from "./screens/Settings";
import { Sync } from "./screens/Sync";
import { Today } from "./screens/Today";
import { VisitDetail, VisitForm } from "./screens/Visit";
import { updateReady, applyUpdate } from "../sw-register";
import { lazyScreen } from "./lazy";
import { capabilities, homeRoute, routeAllowed, type Capabilities } from "./roles";
import { RoleHome } from "./screens/RoleHome";

// The lead's screens are chunks of their own, fetched on first use.
const Huddle = lazyScreen(() => import("./huddle/Board").then((m) => m.Board));
const TeamRecords = lazyScreen(() => import("./huddle/TeamRecords").then((m) => m.TeamRecords));
const Dashboard = lazyScreen(() => import("./dashboard/Dashboard").then((m) => m.Dashboard));

function Screen({ caps }: { caps: Capabilities }) {
  const r = route.value;
  // A route the role is not offered shows its landing page, never a screen whose writes would be refused.
  const name = routeAllowed(r.name, caps) ? r.name : homeRoute(caps);
  switch (name) {
    case "checkin":
      return <Checkin />;
    case "report-new":
      return <ReportForm />;
    case "report-edit":
      return <ReportForm id={r.params.id} />;
    case "report":
      return <ReportDetail id={r.params.id} />;
    case "visit-new":
      return <VisitForm />;
    case "visit":
      return <VisitDetail id={r.params.id} />;
    case "history":
      return <History />;
    case "sync":
      return <Sync />;
    case "settings":
      return <Settings />;
    case "huddle":
      return <Huddle date={r.params.date} />;
    case "team":
      return <TeamRecords />;
    case "home":
      return <RoleHome />;
    case "dashboard":
      return <Dashboard search={r.params.search} />;
    default:
      return caps.capture ? <Today /> : <RoleHome />;
  }
}

/**
 * The shell. With no session it shows log-in. A session the server refused
 * (needsRelogin) keeps the app fully usable and shows a banner instead.
 */
export function App() {
  void locale.value; // re-render on language change
  const session = useMeta<Session | null>("session");
  const loaded = useLiveQuery(() => runtime().db.meta.get("session").then(() => true), []);
  const pending = useLiveQuery(() => runtime().db.outbox.count(), []) ?? 0;
  const online = useOnline();
  const caps = capabilities(session?.user.role);
  if (!loaded) return <div class="boot" aria-busy="true" />;
  if (!session || route.value.name === "login") {
    if (session && !session.needsRelogin && route.value.name === "login") navigate(`/${homeRoute(caps)}`);
    return <Login />;
  }
  return (
    <div class={(caps.huddle && route.value.name === "huddle") || (caps.dashboard && route.value.name === "dashboard") ? "app app-wide" : "app"}>
      <header class="topbar">
        <a href={`#/${homeRoute(caps)}`} class="brand">
          {t("app.name")}
        </a>
        <span class={online ? "net net-on" : "net net-off"} data-testid="net-status" role="status">
          {online ? t("app.online") : t("app.offline")}
        </span>
        <a href="#/settings" class="icon-btn" aria-label={t("nav.settings")} data-testid="top-settings">
          ⚙️
        </a>
      </header>
      {/* Capture keeps working while logged out of the server; ask for a log-in only when it can succeed. */}
      {session.needsRelogin && online ? (
        <Banner kind="warn" testid="relogin-banner">
          <p>{t("relogin.banner")}</p>
          <a class="btn btn-primary" href="#/login" data-testid="relogin-action">
            {t("relogin.action")}
          </a>
        </Banner>
      ) : null}
      {updateReady.value ? (
        <Banner kind="info" testid="update-banner">
          <span>{t("update.ready")}</span>
          <button type="button" class="btn btn-secondary" onClick={applyUpdate}>
            {t("update.reload")}
          </button>
        </Banner>
      ) : null}
      <Screen caps={caps} />
      <TabBar pending={pending} caps={caps} />
    </div>
  );
}
