import { t, type MessageKey } from "../../i18n";
import type { Session } from "../../sync/api";
import { useMeta } from "../hooks";

/** What each desk role will do in its own screens (docs/ARCHITECTURE.md §4), in the order of its day. */
const COMING: Record<string, MessageKey[]> = {
  supervisor: ["home.do.supervisor.approve", "home.do.supervisor.board", "home.do.supervisor.tickets", "home.do.supervisor.dashboard"],
  department: ["home.do.department.inbox", "home.do.department.acknowledge", "home.do.department.resolve", "home.do.department.send_back"],
  admin: ["home.do.admin.people", "home.do.admin.devices", "home.do.admin.places", "home.do.admin.dashboard"],
};

/**
 * The landing page of supervisors, departments and admins. They may not check
 * in or report, so the app offers no capture (their pushes would be refused);
 * this page says what they can do now and what their screens will hold.
 */
export function RoleHome() {
  const session = useMeta<Session>("session");
  const user = session?.user;
  const role = user?.role ?? "";
  const coming = COMING[role] ?? [];
  return (
    <main class="screen role-home" data-testid="role-home" data-role={role}>
      <header class="screen-head">
        <h1>{t("home.title", { name: user?.display_name || user?.username || "" })}</h1>
        <p class="sub">{role in COMING ? t(`home.role.${role}` as MessageKey) : role}</p>
      </header>
      <p class="banner banner-info" data-testid="role-no-capture">
        {t("home.no_capture")}
      </p>
      <section class="card">
        <h2>{t("home.now")}</h2>
        <ul>
          <li>{t("home.now.sync")}</li>
          <li>{t("home.now.api")}</li>
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
