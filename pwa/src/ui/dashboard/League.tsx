/** The department league (部门报到): how fast each acknowledges and fixes, and what it holds open now. */

import type { DepartmentRow } from "./data";
import { hours, w } from "./words";

export function League({ rows }: { rows: DepartmentRow[] }) {
  const active = rows.filter((r) => r.acknowledged || r.resolved || r.open);
  return (
    <section class="dash-panel dash-league" data-testid="dash-league">
      <h2>{w("league.title")}</h2>
      {active.length ? (
        <table class="dash-table">
          <thead>
            <tr>
              <th>{w("league.department")}</th>
              <th>{w("league.ack")}</th>
              <th>{w("league.fix")}</th>
              <th>{w("league.open")}</th>
            </tr>
          </thead>
          <tbody>
            {active.map((r) => (
              <tr key={r.department_id} data-testid={`league-row-${r.department_id}`}>
                <td>{r.name}</td>
                <td class="num">{hours(r.ack_median_hours)} / {hours(r.ack_p90_hours)} <span class="sub">({r.acknowledged})</span></td>
                <td class="num">{hours(r.resolve_median_hours)} / {hours(r.resolve_p90_hours)} <span class="sub">({r.resolved})</span></td>
                <td class="num">{r.open} / <span class={r.overdue ? "dash-bad" : ""}>{r.overdue}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="hint">{w("league.none")}</p>
      )}
    </section>
  );
}
