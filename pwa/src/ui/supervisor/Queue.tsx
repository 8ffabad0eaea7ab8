/**
 * The street supervisor's approval queue (审批): tickets submitted by the
 * grids, oldest first, each with its reports, photos, place, reporters and
 * the huddle's reasons; approve, return with a reason, dispatch to the
 * suggested department (or another), escalate — one at a time or several
 * selected at once. Every action is a mutation through the outbox.
 */

import { useState } from "preact/hooks";
import { localName } from "../../i18n";
import { runtime } from "../../runtime";
import { displayName, type Category, type Department } from "../../sync/reference";
import { approveTickets, dispatchTickets, offered, returnTicket, ticketOp, type TicketOp } from "../../sync/ticketCommands";
import { DepartmentSelect } from "../desk/Actions";
import { useDeskTickets, useDossier, useGrids, useNow, usePeople, useReference, useSessionUser } from "../desk/hooks";
import { QUEUE_STATES, queue, serverNow, suggestDepartment, ticketNumber, type DeskTicket } from "../desk/model";
import { ColourChip, Photos, RefreshBar, StatusChip, TimeLeft, opText } from "../desk/parts";
import { dt, durationText, labelled, type DeskKey } from "../desk/words";
import { clusterReasons } from "../huddle/words";
import { t } from "../../i18n";
import "../desk/desk.css";

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

interface CardProps {
  ticket: DeskTicket;
  role: string;
  grid: string;
  cats: readonly Category[];
  depts: readonly Department[];
  selected: boolean;
  onSelect: (on: boolean) => void;
  department: number | null;
  onDepartment: (id: number) => void;
  now: number;
}

function QueueCard({ ticket, role, grid, cats, depts, selected, onSelect, department, onDepartment, now }: CardProps) {
  const { db, deviceId, scheduler } = runtime();
  const { snapshot } = useDossier(ticket.id);
  const dossier = snapshot?.dossier;
  const people = usePeople(dossier?.people);
  const [returning, setReturning] = useState(false);
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const d = ticket.data;
  const status = String(d.status ?? "");
  const cat = cats.find((c) => c.code === d.category);
  const reporters = [...new Set((dossier?.reports ?? []).map((r) => displayName(people, r.data.reporter)))];
  const can = (op: TicketOp) => offered(role, op, d);
  const canDispatch = can("dispatch") || (status === "submitted" && can("approve") && offered(role, "dispatch", { status: "approved" }));
  const act = async (work: Promise<void>) => {
    await work;
    scheduler.soon();
  };
  const lastReason = typeof d.reason === "string" && d.reason ? d.reason : "";
  return (
    <li class="card dk-queue-card" data-testid="queue-ticket" data-ticket-id={ticket.id} data-status={status} data-pending={ticket.pending}>
      <div class="dk-card-head">
        <label class="dk-check">
          <input type="checkbox" checked={selected} onChange={(e) => onSelect(e.currentTarget.checked)} data-testid="queue-select" aria-label={dt("q.select")} />
        </label>
        <a href={`#/ticket/${ticket.id}`} class="dk-card-title" data-testid="queue-open">
          <strong>{String(d.title ?? "")}</strong>
        </a>
        <StatusChip status={status} />
        <ColourChip colour={ticket.colour} />
        <TimeLeft deadline={d.due_at} status={status} now={now} />
      </div>
      <p class="sub">
        <span class="mono">{ticketNumber(ticket.id)}</span> · {grid} · {cat ? localName(cat) : String(d.category ?? "")}
        {d.place ? ` · ${String(d.place)}` : ""}
        {ticket.createdAt ? ` · ${dt("q.waiting", { t: durationText(now - Date.parse(ticket.createdAt)) })}` : ""}
      </p>
      {lastReason ? (
        <p class="dk-note" data-testid="queue-reason">
          {dt(status === "sent_back" ? "q.sent_back_reason" : "q.last_return", { reason: lastReason })}
        </p>
      ) : null}
      {dossier ? (
        <>
          <p class="dk-reporters">
            {labelled("f.reporters")}
            <span data-testid="queue-reporters">{reporters.join("、")}</span>
          </p>
          {dossier.reasons.length ? <p class="sub" data-testid="queue-reasons">{labelled("f.reasons")}
              {clusterReasons(dossier.reasons).join(" · ")}</p> : null}
          <ul class="dk-queue-reports">
            {dossier.reports.map((r) => (
              <li key={r.id} data-testid="queue-report">
                <span class="dk-report-text">{String(r.data.description ?? "")}</span>
                {r.data.place ? <span class="sub"> · {String(r.data.place)}</span> : null}
              </li>
            ))}
          </ul>
          <Photos shas={[...new Set([...strings(d.photos), ...dossier.reports.flatMap((r) => strings(r.data.photos))])].slice(0, 8)} label={dt("f.before")} testid="queue-photo" />
        </>
      ) : (
        <p class="hint">{dt("q.no_dossier")}</p>
      )}
      <div class="dk-card-actions">
        {can("approve") ? (
          <button type="button" class="btn btn-secondary" onClick={() => void act(ticketOp(db, deviceId, ticket.id, "approve"))} data-testid="queue-approve">
            {opText("approve")}
          </button>
        ) : null}
        {canDispatch ? (
          <span class="dk-dispatch">
            <DepartmentSelect depts={depts} category={d.category} value={department} onChange={onDepartment} testid="queue-department" />
            <button
              type="button"
              class="btn btn-primary"
              disabled={department == null}
              onClick={() => void act(dispatchTickets(db, deviceId, [{ id: ticket.id, department: department!, approveFirst: status === "submitted" }]))}
              data-testid="queue-dispatch"
            >
              {status === "submitted" ? dt("op.approve_dispatch") : opText("dispatch")}
            </button>
          </span>
        ) : null}
        {can("return") ? (
          <button type="button" class="btn btn-secondary" aria-expanded={returning} onClick={() => setReturning(!returning)} data-testid="queue-return">
            {opText("return")}
          </button>
        ) : null}
        {can("escalate") ? (
          <button type="button" class="btn btn-secondary" onClick={() => void act(ticketOp(db, deviceId, ticket.id, "escalate"))} data-testid="queue-escalate">
            {opText("escalate")}
          </button>
        ) : null}
        <a class="btn btn-secondary" href={`#/print/${ticket.id}`} data-testid="queue-print">
          {dt("desk.print")}
        </a>
      </div>
      {returning ? (
        <form
          class="dk-form"
          data-testid="queue-return-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!reason.trim()) return setMissing(true);
            void act(returnTicket(db, deviceId, ticket.id, reason)).then(() => setReturning(false));
          }}
        >
          <label class="field">
            <span>{dt("form.reason")}</span>
            <textarea rows={2} value={reason} placeholder={dt("form.return_hint")} onInput={(e) => setReason(e.currentTarget.value)} data-testid="queue-return-reason" />
          </label>
          {missing ? <p class="error" role="alert">{dt("form.reason_required")}</p> : null}
          <div class="actions">
            <button type="submit" class="btn btn-primary" data-testid="queue-return-confirm">
              {opText("return")}
            </button>
            <button type="button" class="btn btn-secondary" onClick={() => setReturning(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </form>
      ) : null}
    </li>
  );
}

const SECTION: Record<(typeof QUEUE_STATES)[number], DeskKey> = {
  submitted: "q.section.submitted",
  approved: "q.section.approved",
  sent_back: "q.section.sent_back",
};

/** The queue screen. */
export function Queue() {
  const { db, deviceId, scheduler } = runtime();
  const user = useSessionUser();
  const role = user?.role ?? "";
  const { tickets, snapshot, busy, error, refresh } = useDeskTickets();
  const { cats, depts } = useReference();
  const grids = useGrids();
  const now = serverNow(snapshot, useNow());
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [chosen, setChosen] = useState<Record<string, number>>({});
  const groups = queue(tickets ?? []);
  const all = QUEUE_STATES.flatMap((s) => groups[s]);
  const pick = (t: DeskTicket) => chosen[t.id] ?? suggestDepartment(depts, t.data.category)?.id ?? null;
  const picked = all.filter((t) => selected.has(t.id));
  const approvable = picked.filter((t) => offered(role, "approve", t.data));
  const dispatchable = picked.filter((t) => pick(t) != null && (offered(role, "dispatch", t.data) || offered(role, "approve", t.data)));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const bulk = async (work: Promise<void>) => {
    await work;
    setSelected(new Set());
    scheduler.soon();
  };
  return (
    <main class="screen desk" data-testid="supervisor-queue">
      <header class="dk-head">
        <h1>{dt("q.title")}</h1>
        <span class="count" data-testid="queue-count">{all.length}</span>
      </header>
      <RefreshBar asOf={snapshot?.fetchedAt} busy={busy} refresh={refresh} error={error} testid="queue" />
      <div class="dk-bulk" role="toolbar">
        <button type="button" class="btn btn-secondary" disabled={!approvable.length} onClick={() => void bulk(approveTickets(db, deviceId, approvable.map((t) => t.id)))} data-testid="queue-approve-selected">
          {dt("q.approve_selected", { n: approvable.length })}
        </button>
        <button
          type="button"
          class="btn btn-primary"
          disabled={!dispatchable.length}
          onClick={() =>
            void bulk(
              dispatchTickets(
                db,
                deviceId,
                dispatchable.map((t) => ({ id: t.id, department: pick(t)!, approveFirst: String(t.data.status) === "submitted" })),
              ),
            )
          }
          data-testid="queue-dispatch-selected"
        >
          {dt("q.dispatch_selected", { n: dispatchable.length })}
        </button>
      </div>
      {tickets !== undefined && !all.length ? <p class="hint" data-testid="queue-empty">{dt("q.empty")}</p> : null}
      {QUEUE_STATES.map((state) =>
        groups[state].length ? (
          <section key={state} class="dk-section" data-testid={`queue-section-${state}`}>
            <h2>
              {dt(SECTION[state])} <span class="count">{groups[state].length}</span>
              <button
                type="button"
                class="btn btn-secondary dk-small"
                onClick={() => setSelected(new Set([...selected, ...groups[state].map((t) => t.id)]))}
                data-testid={`queue-select-all-${state}`}
              >
                {dt("q.select_all")}
              </button>
            </h2>
            <ul class="list dk-queue">
              {groups[state].map((ticket) => (
                <QueueCard
                  key={ticket.id}
                  ticket={ticket}
                  role={role}
                  grid={grids.find((g) => g.id === ticket.gridId)?.name ?? String(ticket.gridId ?? "")}
                  cats={cats}
                  depts={depts}
                  selected={selected.has(ticket.id)}
                  onSelect={(on) => toggle(ticket.id, on)}
                  department={pick(ticket)}
                  onDepartment={(id) => setChosen({ ...chosen, [ticket.id]: id })}
                  now={now}
                />
              ))}
            </ul>
          </section>
        ) : null,
      )}
    </main>
  );
}
