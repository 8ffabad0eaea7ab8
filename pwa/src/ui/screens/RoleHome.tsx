import { t, type MessageKey } from "../../i18n";
import type { Session } from "../../sync/api";
import { useMeta } from "../hooks";

/** Each desk role's screens, in the order of its day: what the link says and where it goes. */
const SCREENS: Record<string, [MessageKey, string][]> = {
  supervisor: [
    ["home.do.supervisor.approve", "#/queue"],
    ["home.do.supervisor.intake", "#/intake"],
    ["home.do.supervisor.board", "#/board"],
  ],
  department: [
    ["home.do.department.inbox", "#/inbox"],
    ["home.do.department.acknowledge", "#/inbox"],
    ["home.do.department.resolve", "#/inbox"],
    ["home.do.department.send_back", "#/inbox"],
  ],
  admin: [
    ["home.do.admin.people", "#/admin/people"],
    ["home.do.admin.devices", "#/admin/devices"],
    ["home.do.admin.places", "#/admin/places"],
    ["home.do.admin.intake", "#/admin/intake"],
  ],
};
/** What is still to come (the dashboards of the next issue). */
const COMING: Record<string, MessageKey[]> = {
  supervisor: ["home.do.supervisor.dashboard"],
  admin: ["home.do.admin.dashboard"],
};

/**
 * The landing page of supervisors, departments and admins. They may not check
 * in or report, so the app offers no capture (their pushes would be refused);
 * this page leads to their own screens.
 */
export function RoleHome() {
  const session = useMeta<Session>("session");
  const user = session?.user;
  const role = user?.role ?? "";
  const screens = SCREENS[role] ?? [];
  const coming = COMING[role] ?? [];
  return (
    <main class="screen role-home" data-testid="role-home" data-role={role}>
      <header class="screen-head">
        <h1>{t("home.title", { name: user?.display_name || user?.username || "" })}</h1>
        <p class="sub">{role in SCREENS ? t(`home.role.${role}` as MessageKey) : role}</p>
      </header>
      <p class="banner banner-info" data-testid="role-no-capture">
        {t("home.no_capture")}
      </p>
      {screens.length ? (
        <section class="card role-links">
          <h2>{t("home.screens")}</h2>
          {screens.map(([key, href]) => (
            <a key={key} href={href} data-testid="role-screen">
              {t(key)}
            </a>
          ))}
          <a href="#/notifications">🔔 {t("bell.label")}</a>
        </section>
      ) : null}
      <section class="card">
        <h2>{t("home.now")}</h2>
        <ul>
          <li>{t("home.now.sync")}</li>
          <li>
            <a href="#/settings">{t("home.now.settings")}</a>
          </li>
        </ul>
      </section>
      {coming.length ? (
        <section class="card">
          <h2>{t("home.coming")}</h2>
          <ul>
            {coming.map((key) => (
              <li key={key}>{t(key)}</li>
            ))}
          </ul>
        </section>
      ) : null}
    </main>
  );
}
