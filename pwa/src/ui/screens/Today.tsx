import { localDay, startOfTodayIso, isMine, listRecords, outboxCount } from "../../db/queries";
import { formatTime, localName, t } from "../../i18n";
import { runtime } from "../../runtime";
import type { Session } from "../../sync/api";
import type { Category, Me } from "../../sync/reference";
import { categories } from "../../sync/reference";
import { SyncBadge, StatusText } from "../components/StatusBadge";
import { TicketTasks } from "../components/TicketTasks";
import { useLiveQuery, useMeta } from "../hooks";

/** Today: my beat and checkpoints, today's check-ins, reports and visits, and what waits to sync. */
export function Today() {
  const { db } = runtime();
  const me = useMeta<Me>("me");
  const session = useMeta<Session>("session");
  const user = session?.user;
  const since = startOfTodayIso();
  const checkins = useLiveQuery(() => listRecords(db, "checkin", since), [since]) ?? [];
  const reports = useLiveQuery(() => listRecords(db, "report", since), [since]) ?? [];
  const visits = useLiveQuery(() => listRecords(db, "visit", since), [since]) ?? [];
  const pending = useLiveQuery(() => outboxCount(db), []) ?? 0;
  const today = localDay(new Date());
  // Team notices (专项排查) from the huddle for today's round and the next ones.
  const notices = (useLiveQuery(() => listRecords(db, "notice"), []) ?? []).filter((n) => String(n.data.for_day ?? "") >= today);
  const cats = useLiveQuery(() => categories(db), []) ?? [];
  const catName = (code: unknown) => {
    const c = cats.find((x: Category) => x.code === code);
    return c ? localName(c) : String(code ?? "");
  };
  const beat = me?.beat;
  const mine = <T extends Parameters<typeof isMine>[0]>(rows: T[]) => rows.filter((r) => isMine(r, user));
  const myCheckins = mine(checkins);
  const myReports = mine(reports);
  const myVisits = mine(visits);

  return (
    <main class="screen today">
      <header class="screen-head">
        <h1>{t("today.title")}</h1>
        <p class="sub">
          {user?.display_name || user?.username}
          {me?.grid ? ` · ${t("today.grid")} ${me.grid.name}` : ""}
        </p>
      </header>

      <a href="#/sync" class="card pending-card" data-testid="today-pending">
        <span>{t("today.pending")}</span>
        <strong data-testid="outbox-count">{pending}</strong>
      </a>

      <TicketTasks role={user?.role ?? "patroller"} />

      {notices.length ? (
        <section class="card notice-card" aria-labelledby="notice-h">
          <h2 id="notice-h">{t("today.notices")}</h2>
          <ul class="list">
            {notices.map((n) => (
              <li key={n.entity_id} class="row" data-testid="today-notice" data-category={String(n.data.category ?? "")}>
                <span class="grow">
                  <strong>{t(n.data.for_day === today ? "today.notice.today" : "today.notice.on", { day: String(n.data.for_day ?? "") })}</strong>{" "}
                  {t("today.notice.look_for", { category: catName(n.data.category) })}
                  {n.data.note ? <span class="sub"> · {String(n.data.note)}</span> : null}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section class="card" aria-labelledby="beat-h">
        <h2 id="beat-h">{t("today.beat")}</h2>
        {beat ? (
          <>
            <p>{beat.name}</p>
            {beat.checkpoints?.length ? (
              <>
                <h3>{t("today.checkpoints")}</h3>
                <ul class="chips">
                  {beat.checkpoints.map((cp) => {
                    const done = myCheckins.some((c) => c.data.checkpoint_id === cp.id);
                    return (
                      <li key={cp.id} class={done ? "chip chip-done" : "chip"}>
                        {done ? "✓ " : ""}
                        {cp.name}
                      </li>
                    );
                  })}
                </ul>
              </>
            ) : null}
            {beat.responsibilities?.length ? (
              <details>
                <summary>{t("today.responsibilities")}</summary>
                <ul>
                  {beat.responsibilities.map((r, i) => (
                    <li key={i}>{r}</li>
                  ))}
                </ul>
              </details>
            ) : null}
          </>
        ) : (
          <p class="hint">{t("today.no_beat")}</p>
        )}
      </section>

      <section class="card" aria-labelledby="ci-h">
        <h2 id="ci-h">
          {t("today.checkins")} <span class="count">{myCheckins.length}</span>
        </h2>
        <ul class="list">
          {myCheckins.map((c) => (
            <li key={c.entity_id} class="row" data-testid="today-checkin">
              <span>{formatTime(String(c.data.at ?? ""))}</span>
              <span class="grow">{beat?.checkpoints?.find((cp) => cp.id === c.data.checkpoint_id)?.name ?? ""}</span>
              <SyncBadge rec={c} />
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="rp-h">
        <h2 id="rp-h">
          {t("today.reports")} <span class="count">{myReports.length}</span>
        </h2>
        <ul class="list">
          {myReports.map((r) => (
            <li key={r.entity_id}>
              <a class="row" href={`#/report/${r.entity_id}`} data-testid="today-report">
                <span>{formatTime(String(r.data.device_time ?? ""))}</span>
                <span class="grow">
                  {catName(r.data.category)}
                  {r.data.description ? ` · ${String(r.data.description).slice(0, 40)}` : ""}
                </span>
                <StatusText status={r.data.status} />
                <SyncBadge rec={r} />
              </a>
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="vi-h">
        <h2 id="vi-h">
          {t("today.visits")} <span class="count">{myVisits.length}</span>
        </h2>
        <ul class="list">
          {myVisits.map((v) => (
            <li key={v.entity_id}>
              <a class="row" href={`#/visit/${v.entity_id}`} data-testid="today-visit">
                <span>{formatTime(String(v.data.visited_at ?? ""))}</span>
                <span class="grow">{String(v.data.place ?? "")}</span>
                <SyncBadge rec={v} />
              </a>
            </li>
          ))}
        </ul>
      </section>
      <nav class="links">
        <a href="#/history" class="btn btn-secondary" data-testid="nav-history">
          {t("nav.history")}
        </a>
        <a href="#/settings" class="btn btn-secondary" data-testid="nav-settings">
          {t("nav.settings")}
        </a>
      </nav>
    </main>
  );
}
