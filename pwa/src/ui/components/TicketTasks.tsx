import { t, type MessageKey } from "../../i18n";
import { recordsOf } from "../../db/queries";
import type { RecordRow } from "../../db/schema";
import { runtime } from "../../runtime";
import { offered } from "../../sync/ticketCommands";
import { useLiveQuery } from "../hooks";

const GROUPS: { key: MessageKey; testid: string; wants: (role: string, d: RecordRow["data"]) => boolean }[] = [
  // A resolved ticket of the grid is checked on site (核查) before anyone closes it.
  { key: "tasks.verify", testid: "today-verify", wants: (role, d) => offered(role, "verify", d) },
  { key: "tasks.close", testid: "today-close", wants: (role, d) => d.status === "verified" && offered(role, "close", d) },
  { key: "tasks.returned", testid: "today-returned", wants: (role, d) => d.status === "returned" && offered(role, "submit", d) },
];

/** On Today: the grid's tickets waiting for this user (待核查, 待销号, returned), each opening its page. */
export function TicketTasks({ role }: { role: string }) {
  const tickets = useLiveQuery(() => recordsOf(runtime().db, "ticket"), []) ?? [];
  const live = tickets.filter((r) => !r.deleted);
  const groups = GROUPS.map((g) => ({ ...g, rows: live.filter((r) => g.wants(role, r.data)) })).filter((g) => g.rows.length);
  if (!groups.length) return null;
  return (
    <section class="card task-card" aria-labelledby="tasks-h" data-testid="today-tasks">
      <h2 id="tasks-h">{t("tasks.title")}</h2>
      {groups.map((g) => (
        <div key={g.key}>
          <h3>{t(g.key)}</h3>
          <ul class="list">
            {g.rows.map((r) => (
              <li key={r.entity_id}>
                <a class="row" href={`#/ticket/${r.entity_id}`} data-testid={g.testid} data-ticket-id={r.entity_id}>
                  <span class="grow">
                    <strong>{String(r.data.title ?? "")}</strong>
                    {r.data.place ? <span class="sub"> · {String(r.data.place)}</span> : null}
                  </span>
                  <span class="status">{t(`ticket.status.${String(r.data.status)}` as MessageKey)}</span>
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
