import { useEffect } from "preact/hooks";
import { META, getMeta } from "../db/meta";
import { outboxCount } from "../db/queries";
import { whenIdle } from "../idle";
import { locale, t } from "../i18n";
import { runtime } from "../runtime";
import type { Session } from "../sync/api";
import { Banner } from "./components/Banner";
import { Bell } from "./components/Bell";
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
// So are each desk role's screens, the ticket page, the handoff sheet and the notification feed.
const Queue = lazyScreen(() => import("./supervisor").then((m) => m.Queue));
const SupervisionBoard = lazyScreen(() => import("./supervisor").then((m) => m.Board));
const Intake = lazyScreen(() => import("./supervisor").then((m) => m.Intake));
const Inbox = lazyScreen(() => import("./department").then((m) => m.Inbox));
const Admin = lazyScreen(() => import("./admin").then((m) => m.Admin));
const TicketPage = lazyScreen(() => import("./desk/TicketPage").then((m) => m.TicketPage));
const Print = lazyScreen(() => import("./desk/Print").then((m) => m.Print));
const Feed = lazyScreen(() => import("./notifications/Feed").then((m) => m.Feed));
/** Routes laid out for a desktop or a tablet in landscape, as wide as the screen allows. */
const WIDE = new Set(["huddle", "queue", "intake", "board", "inbox", "admin", "ticket", "print", "notifications", "dashboard"]);
// Opened straight on the board (the tablet at the huddle): fetch its chunk while the database opens.
if (route.peek().name === "huddle") Huddle.preload();
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
    case "queue":
      return <Queue />;
    case "intake":
      return <Intake />;
    case "board":
      return <SupervisionBoard />;
    case "inbox":
      return <Inbox />;
    case "admin":
      return <Admin section={r.params.section} />;
    case "ticket":
      return <TicketPage id={r.params.id} />;
    case "print":
      return <Print ids={r.params.ids} />;
    case "notifications":
      return <Feed />;
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
  const loaded = useLiveQuery(() => getMeta(runtime().db, META.session).then(() => true), []);
  const pending = useLiveQuery(() => outboxCount(runtime().db), []) ?? 0;
  const online = useOnline();
  const caps = capabilities(session?.user.role);
  // The lead opens the board every evening: fetch its chunk once the app is idle, not on the tap.
  useEffect(() => {
    if (!caps.huddle) return;
    return whenIdle(() => {
      Huddle.preload();
      TeamRecords.preload();
    }, 5000);
  }, [caps.huddle]);
  // A signed-in user sent to the log-in route goes home: after the render, never during it.
  const signedInOnLogin = !!session && !session.needsRelogin && route.value.name === "login";
  useEffect(() => {
    if (signedInOnLogin) navigate(`/${homeRoute(caps)}`);
  }, [signedInOnLogin]);
  if (!loaded) return <div class="boot" aria-busy="true" />;
  if (!session || route.value.name === "login") return <Login />;
  return (
    <div class={WIDE.has(route.value.name) && routeAllowed(route.value.name, caps) ? "app app-wide" : "app"}>
      <header class="topbar">
        <a href={`#/${homeRoute(caps)}`} class="brand">
          {t("app.name")}
        </a>
        <span class={online ? "net net-on" : "net net-off"} data-testid="net-status" role="status">
          {online ? t("app.online") : t("app.offline")}
        </span>
        <Bell />
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
