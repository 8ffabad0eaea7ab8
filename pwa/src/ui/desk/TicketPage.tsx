/**
 * One handoff ticket on one screen, for every role that may see it: the
 * reports and their photos (full size on tap), before and after, where it is,
 * its trail in words with names and times, and what the user may do now.
 *
 * Reads this device's copy of the ticket (with its unanswered actions) and the
 * kept dossier, so it opens offline once seen; a lazy chunk of its own.
 */

import { getRecord } from "../../db/queries";
import { formatDateTime, localName, t, type MessageKey } from "../../i18n";
import { runtime } from "../../runtime";
import type { DossierReport } from "../../sync/desk";
import type { JsonObject } from "../../sync/mutation";
import { displayName, type Category } from "../../sync/reference";
import type { Person } from "../../sync/people";
import { useLiveQuery } from "../hooks";
import { clusterReasons } from "../huddle/words";
import { Actions } from "./Actions";
import { useDossier, useGrids, useNow, usePeople, useReference, useSessionUser } from "./hooks";
import { serverNow, ticketNumber, type Colour } from "./model";
import { ColourChip, Photos, RefreshBar, StatusChip, TicketOutcomes, TimeLeft, Timeline, deptName, levelText, whenText } from "./parts";
import { TicketMap } from "./TicketMap";
import { dt, labelled } from "./words";
import "./desk.css";

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function ReportCard({ report, people, cats }: { report: DossierReport; people: readonly Person[]; cats: readonly Category[] }) {
  const d = report.data;
  const cat = cats.find((c) => c.code === d.category);
  return (
    <li class="dk-report" data-testid="ticket-report" data-report-id={report.id}>
      <p class="dk-report-meta">
        <strong data-testid="report-reporter">{displayName(people, d.reporter)}</strong>
        <span class="sub"> · {whenText(String(d.device_time ?? report.created_at))}</span>
        {cat ? <span class="sub"> · {localName(cat)}</span> : null}
        {d.place ? <span class="sub"> · {String(d.place)}</span> : null}
      </p>
      <p class="dk-report-text">{String(d.description ?? "")}</p>
      <Photos shas={strings(d.photos)} label={dt("f.before")} testid="report-photo" />
    </li>
  );
}

function Facts({ id, data, grid, dept, cats, people, reasons, now }: { id: string; data: JsonObject; grid: string; dept: string; cats: readonly Category[]; people: readonly Person[]; reasons: string[]; now: number }) {
  const cat = cats.find((c) => c.code === data.category);
  const reopens = Number(data.reopen_count ?? 0);
  return (
    <dl class="card facts dk-facts" data-testid="ticket-facts">
      <dt>{dt("f.number")}</dt>
      <dd class="mono" data-testid="ticket-number">{ticketNumber(id)}</dd>
      <dt>{dt("f.grid")}</dt>
      <dd data-testid="ticket-grid">{grid}</dd>
      <dt>{dt("f.place")}</dt>
      <dd>{String(data.place ?? "")}</dd>
      <dt>{dt("f.category")}</dt>
      <dd>{cat ? localName(cat) : String(data.category ?? "")}</dd>
      <dt>{dt("f.severity")}</dt>
      <dd>{data.severity ? t(`report.severity.${data.severity}` as MessageKey) : ""}</dd>
      <dt>{dt("f.level")}</dt>
      <dd>{levelText(data.level ?? "grid")}</dd>
      <dt>{dt("f.department")}</dt>
      <dd data-testid="ticket-department">{dept}</dd>
      <dt>{dt("f.due")}</dt>
      <dd>
        {data.due_at ? formatDateTime(String(data.due_at)) : ""} <TimeLeft deadline={data.due_at} status={data.status} now={now} />
      </dd>
      {data.ack_due_at ? (
        <>
          <dt>{dt("f.ack_due")}</dt>
          <dd>{formatDateTime(String(data.ack_due_at))}</dd>
        </>
      ) : null}
      <dt>{dt("f.created_by")}</dt>
      <dd>{displayName(people, data.created_by)}</dd>
      {reopens ? (
        <>
          <dt>{dt("f.reopens")}</dt>
          <dd data-testid="ticket-reopens">{reopens}</dd>
        </>
      ) : null}
      {reasons.length ? (
        <>
          <dt>{dt("f.reasons")}</dt>
          <dd data-testid="ticket-reasons">{reasons.join(" · ")}</dd>
        </>
      ) : null}
    </dl>
  );
}

/** The ticket page. */
export function TicketPage({ id }: { id: string }) {
  const { db } = runtime();
  const user = useSessionUser();
  const rec = useLiveQuery(async () => (await getRecord(db, "ticket", id)) ?? null, [id]);
  const { snapshot, busy, error, refresh } = useDossier(id);
  const dossier = snapshot?.dossier;
  const people = usePeople(dossier?.people);
  const { cats, depts } = useReference();
  const grids = useGrids();
  const clientNow = useNow();
  const data: JsonObject | undefined = rec && !rec.deleted ? rec.data : dossier?.ticket;
  const head = (title: string) => (
    <header class="dk-head">
      <h1>{title}</h1>
    </header>
  );
  if (rec === undefined || snapshot === undefined) {
    return (
      <main class="screen desk" aria-busy="true">
        {head(dt("tp.title"))}
        <p class="hint">{t("common.loading")}</p>
      </main>
    );
  }
  if (!data) {
    return (
      <main class="screen desk" data-testid="ticket-page" data-found="0">
        {head(dt("tp.title"))}
        <p class="banner banner-warn">{error?.status === 404 ? dt("tp.not_found") : error ? dt("desk.no_cache") : t("common.loading")}</p>
      </main>
    );
  }
  const now = serverNow(dossier && snapshot ? { serverNow: dossier.now, fetchedAt: snapshot.fetchedAt } : undefined, clientNow);
  const gridId = typeof data.grid_id === "number" ? data.grid_id : dossier?.ticket.grid_id;
  const grid = dossier?.grid?.name ?? grids.find((g) => g.id === gridId)?.name ?? String(gridId ?? "");
  const deptId = typeof data.department === "number" ? data.department : null;
  const dept = depts.find((d) => d.id === deptId);
  const deptLabel = dept ? deptName(dept) : deptId === dossier?.department?.id && dossier?.department ? dossier.department.name : "";
  const status = String(data.status ?? "draft");
  const colour = (dossier?.ticket.color ?? null) as Colour | null;
  const reason = typeof data.reason === "string" && (status === "returned" || status === "sent_back") ? data.reason : "";
  return (
    <main class="screen desk ticket-page" data-testid="ticket-page" data-found="1" data-status={status} data-version={rec?.version ?? ""}>
      <header class="dk-head">
        <h1 data-testid="ticket-title">{String(data.title ?? "")}</h1>
        <StatusChip status={status} />
        <ColourChip colour={colour} />
        <a class="btn btn-secondary dk-print-link" href={`#/print/${id}`} data-testid="ticket-print">
          🖨️ {dt("desk.print")}
        </a>
      </header>
      <RefreshBar asOf={snapshot?.fetchedAt} busy={busy} refresh={refresh} error={error?.status === 404 ? null : error} testid="ticket" />
      <TicketOutcomes id={id} history={dossier?.history ?? []} people={people} depts={depts} />
      {reason ? (
        <p class="banner banner-warn" data-testid="ticket-reason">
          {labelled("f.reason")}
          {reason}
        </p>
      ) : null}
      <div class="dk-columns">
        <div class="dk-main">
          <Facts id={id} data={data} grid={grid} dept={deptLabel} cats={cats} people={people} reasons={clusterReasons(dossier?.reasons ?? [])} now={now} />
          {strings(data.photos).length ? (
            <section class="card">
              <h2>{dt("f.before")}</h2>
              <Photos shas={strings(data.photos)} label={dt("f.before")} />
            </section>
          ) : null}
          <section class="card">
            <h2>{dt("tp.reports", { n: dossier?.reports.length ?? strings(data.report_ids).length })}</h2>
            {dossier ? (
              <ul class="list">
                {dossier.reports.map((r) => (
                  <ReportCard key={r.id} report={r} people={people} cats={cats} />
                ))}
              </ul>
            ) : (
              <p class="hint">{dt("q.no_dossier")}</p>
            )}
          </section>
          {data.resolution_note || strings(data.resolution_photos).length ? (
            <section class="card" data-testid="ticket-resolution">
              <h2>{dt("f.resolution")}</h2>
              <p>{String(data.resolution_note ?? "")}</p>
              <Photos shas={strings(data.resolution_photos)} label={dt("f.after")} testid="resolution-photo" />
            </section>
          ) : null}
          {data.verification_note || strings(data.verification_photos).length ? (
            <section class="card" data-testid="ticket-verification">
              <h2>{dt("f.verification")}</h2>
              <p>{String(data.verification_note ?? "")}</p>
              <Photos shas={strings(data.verification_photos)} label={dt("f.verification")} testid="verification-photo" />
            </section>
          ) : null}
        </div>
        <aside class="dk-side">
          {user?.role ? <Actions id={id} data={data} role={user.role} depts={depts} cats={cats} now={now} /> : null}
          {dossier ? (
            <section class="card">
              <h2>{dt("tp.map")}</h2>
              <TicketMap dossier={dossier} />
            </section>
          ) : null}
          <section class="card">
            <h2>{dt("tp.timeline")}</h2>
            {dossier ? <Timeline history={dossier.history} people={people} depts={depts} /> : <p class="hint">{dt("q.no_dossier")}</p>}
          </section>
        </aside>
      </div>
    </main>
  );
}
