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

function Screen() {
  const r = route.value;
  switch (r.name) {
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
    default:
      return <Today />;
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
  if (!loaded) return <div class="boot" aria-busy="true" />;
  if (!session || route.value.name === "login") {
    if (session && !session.needsRelogin && route.value.name === "login") navigate("/today");
    return <Login />;
  }
  return (
    <div class="app">
      <header class="topbar">
        <a href="#/today" class="brand">
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
      <Screen />
      <TabBar pending={pending} />
    </div>
  );
}
