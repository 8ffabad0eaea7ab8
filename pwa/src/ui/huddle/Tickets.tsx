import { useState } from "preact/hooks";
import type { RecordRow } from "../../db/schema";
import { t, type MessageKey } from "../../i18n";
import { submitTickets, undoKeepApart } from "../../sync/huddleCommands";
import { SyncBadge } from "../components/StatusBadge";
import { useBoard } from "./context";
import type { BoardView } from "./model";

function ticketStatus(status: unknown): string {
  const key = `ticket.status.${String(status ?? "draft")}` as MessageKey;
  const text = t(key);
  return text === key ? String(status) : text;
}

function TicketLine({ ticket }: { ticket: RecordRow }) {
  const { catName } = useBoard();
  const d = ticket.data;
  const n = Array.isArray(d.report_ids) ? d.report_ids.length : 0;
  return (
    <li class="row" data-testid="huddle-ticket" data-ticket-id={ticket.entity_id} data-status={String(d.status ?? "draft")} data-pending={ticket.pending}>
      <span class="grow">
        <strong>{String(d.title ?? "")}</strong>
        <span class="sub">
          {" "}
          · {catName(String(d.category ?? ""))} · {t("huddle.ticket.reports", { n })}
          {d.place ? ` · ${String(d.place)}` : ""}
        </span>
      </span>
      <span class="status">{ticketStatus(d.status)}</span>
      <SyncBadge rec={ticket} />
    </li>
  );
}

/** The tickets made at this huddle, submitted to the street supervisor in one step; and the splits made. */
export function Tickets({ view }: { view: BoardView }) {
  const ctx = useBoard();
  const [busy, setBusy] = useState(false);
  const submitAll = async () => {
    setBusy(true);
    try {
      await submitTickets(ctx.db, ctx.node, view.drafts.map((d) => d.entity_id));
      ctx.acted();
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="hb-section card" aria-labelledby="hb-tickets">
      <h2 id="hb-tickets">
        {t("huddle.tickets")} <span class="count">{view.drafts.length}</span>
      </h2>
      {view.drafts.length === 0 ? <p class="hint">{t("huddle.tickets_empty")}</p> : null}
      <ul class="list">
        {view.drafts.map((d) => (
          <TicketLine key={d.entity_id} ticket={d} />
        ))}
      </ul>
      <button
        type="button"
        class="btn btn-primary btn-block"
        disabled={busy || view.drafts.length === 0}
        onClick={() => void submitAll()}
        data-testid="tickets-submit"
      >
        {t("huddle.tickets.submit", { n: view.drafts.length })}
      </button>
      {view.sent.length ? (
        <>
          <h3>{t("huddle.tickets.sent")}</h3>
          <ul class="list">
            {view.sent.map((d) => (
              <TicketLine key={d.entity_id} ticket={d} />
            ))}
          </ul>
        </>
      ) : null}
      {view.splits.length ? (
        <>
          <h3>{t("huddle.splits")}</h3>
          <ul class="list">
            {view.splits.map((k) => {
              const r = view.byId.get(String(k.data.report_id ?? ""));
              return (
                <li key={k.entity_id} class="row" data-testid="huddle-split">
                  <span class="grow">{r ? String(r.data.description ?? "").slice(0, 30) || ctx.catName(r.category) : ""}</span>
                  <SyncBadge rec={k} />
                  <button type="button" class="btn btn-secondary" onClick={() => void undoKeepApart(ctx.db, ctx.node, k.entity_id).then(ctx.acted)}>
                    {t("huddle.splits.undo")}
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </section>
  );
}
