/**
 * A department's inbox (部门报到): the tickets dispatched to it, nearest
 * deadline first, by colour; acknowledge (the countdown to the acknowledge
 * deadline shows until then), report the fix with a note and after-photos,
 * or send a ticket that is not its job back with the reason. The ticket page
 * holds the reports and the whole trail.
 */

import { localName } from "../../i18n";
import type { Category, Department } from "../../sync/reference";
import { Actions } from "../desk/Actions";
import { useDeskTickets, useGrids, useNow, useReference, useSessionUser } from "../desk/hooks";
import { inbox, serverNow, ticketNumber, type DeskTicket } from "../desk/model";
import { ColourChip, Photos, RefreshBar, StatusChip, TimeLeft, deptName, whenText } from "../desk/parts";
import { dt } from "../desk/words";
import "../desk/desk.css";

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function InboxCard({ ticket, role, grid, cats, depts, now }: { ticket: DeskTicket; role: string; grid: string; cats: readonly Category[]; depts: readonly Department[]; now: number }) {
  const d = ticket.data;
  const cat = cats.find((c) => c.code === d.category);
  return (
    <li class="card dk-inbox-card" data-testid="inbox-ticket" data-ticket-id={ticket.id} data-status={String(d.status ?? "")} data-colour={ticket.colour ?? ""} data-pending={ticket.pending}>
      <div class="dk-card-head">
        <ColourChip colour={ticket.colour} />
        <a href={`#/ticket/${ticket.id}`} class="dk-card-title" data-testid="inbox-open">
          <strong>{String(d.title ?? "")}</strong>
        </a>
        <StatusChip status={d.status} />
        <TimeLeft deadline={d.due_at} status={d.status} now={now} />
      </div>
      <p class="sub">
        <span class="mono">{ticketNumber(ticket.id)}</span> · {grid} · {cat ? localName(cat) : String(d.category ?? "")}
        {d.place ? ` · ${String(d.place)}` : ""}
        {d.dispatched_at ? ` · ${dt("i.dispatched_at", { time: whenText(String(d.dispatched_at)) })}` : ""}
      </p>
      <Photos shas={strings(d.photos).slice(0, 6)} label={dt("f.before")} testid="inbox-photo" />
      <Actions id={ticket.id} data={d} role={role} depts={depts} cats={cats} now={now} />
    </li>
  );
}

/** The inbox screen. */
export function Inbox() {
  const user = useSessionUser();
  const { tickets, snapshot, busy, error, refresh } = useDeskTickets();
  const { cats, depts } = useReference();
  const grids = useGrids();
  const now = serverNow(snapshot, useNow());
  const { todo, done } = inbox(tickets ?? [], user?.department_id);
  const mine = depts.find((x) => x.id === user?.department_id);
  const gridName = (t: DeskTicket) => grids.find((g) => g.id === t.gridId)?.name ?? String(t.gridId ?? "");
  return (
    <main class="screen desk" data-testid="department-inbox">
      <header class="dk-head">
        <h1>{dt("i.title")}</h1>
        {mine ? <span class="sub">{deptName(mine)}</span> : null}
        <span class="count" data-testid="inbox-count">{todo.length}</span>
      </header>
      <RefreshBar asOf={snapshot?.fetchedAt} busy={busy} refresh={refresh} error={error} testid="inbox" />
      {tickets !== undefined && !todo.length && !done.length ? <p class="hint" data-testid="inbox-empty">{dt("i.empty")}</p> : null}
      {todo.length ? (
        <section class="dk-section">
          <h2>
            {dt("i.todo")} <span class="count">{todo.length}</span>
          </h2>
          <ul class="list dk-inbox">
            {todo.map((t) => (
              <InboxCard key={t.id} ticket={t} role={user?.role ?? ""} grid={gridName(t)} cats={cats} depts={depts} now={now} />
            ))}
          </ul>
        </section>
      ) : null}
      {done.length ? (
        <section class="dk-section">
          <h2>
            {dt("i.waiting_check")} <span class="count">{done.length}</span>
          </h2>
          <ul class="list">
            {done.map((t) => (
              <li key={t.id} class="row" data-testid="inbox-done" data-ticket-id={t.id}>
                <a class="grow" href={`#/ticket/${t.id}`}>
                  {String(t.data.title ?? "")}
                </a>
                <StatusChip status={t.data.status} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </main>
  );
}
