/**
 * The supervision board (三色督办): every open ticket of the street by
 * colour, with time left or overdue by the server's supervision clock, the
 * department and the level; filters and sorting; the red ones counted in the
 * header and listed first, so they cannot be missed.
 */

import { useState } from "preact/hooks";
import { localName } from "../../i18n";
import { useDeskTickets, useGrids, useNow, useReference } from "../desk/hooks";
import { COLOURS, colourCounts, filterTickets, serverNow, sortTickets, ticketNumber, type BoardFilter, type SortKey } from "../desk/model";
import { ColourChip, RefreshBar, StatusChip, TimeLeft, deptName, levelText, statusText } from "../desk/parts";
import { deskKey, dt } from "../desk/words";
import "../desk/desk.css";

const STATUSES = ["submitted", "approved", "returned", "dispatched", "acknowledged", "sent_back", "reopened", "resolved", "verified", "closed"];
const SORTS: SortKey[] = ["urgency", "due", "created", "grid"];

/** The board screen. */
export function Board() {
  const { tickets, snapshot, busy, error, refresh } = useDeskTickets();
  const { cats, depts } = useReference();
  const grids = useGrids();
  const now = serverNow(snapshot, useNow());
  const [filter, setFilter] = useState<BoardFilter>({});
  const [sort, setSort] = useState<SortKey>("urgency");
  const set = (patch: Partial<BoardFilter>) => setFilter({ ...filter, ...patch });
  const open = filterTickets(tickets ?? [], {});
  const counts = colourCounts(open);
  const shown = sortTickets(filterTickets(tickets ?? [], filter), sort);
  const num = (v: string) => (v === "" ? undefined : Number(v));
  return (
    <main class="screen desk" data-testid="supervision-board">
      <header class="dk-head">
        <h1>{dt("b.title")}</h1>
        <ul class="dk-counts" aria-label={dt("f.color")}>
          {COLOURS.map((c) => (
            <li key={c} class={`dk-count dk-colour-${c}${counts[c] ? " dk-some" : ""}`} data-testid={`count-${c}`} data-count={counts[c]}>
              <button type="button" class="dk-count-btn" aria-pressed={filter.colour === c} onClick={() => set({ colour: filter.colour === c ? undefined : c })}>
                <span class="dk-dot" aria-hidden="true" />
                {c === "red" ? dt("b.red_count", { n: counts.red }) : `${dt(deskKey("color.", c)!)} ${counts[c]}`}
              </button>
            </li>
          ))}
        </ul>
      </header>
      <RefreshBar asOf={snapshot?.fetchedAt} busy={busy} refresh={refresh} error={error} testid="board" />
      <div class="dk-filters" role="search">
        <input type="search" placeholder={dt("b.text")} value={filter.text ?? ""} onInput={(e) => set({ text: e.currentTarget.value })} data-testid="board-text" aria-label={dt("b.text")} />
        <select value={filter.grid ?? ""} onChange={(e) => set({ grid: num(e.currentTarget.value) })} data-testid="board-grid" aria-label={dt("f.grid")}>
          <option value="">{dt("f.grid")} · {dt("desk.all")}</option>
          {grids.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
        <select value={filter.category ?? ""} onChange={(e) => set({ category: e.currentTarget.value || undefined })} data-testid="board-category" aria-label={dt("f.category")}>
          <option value="">{dt("f.category")} · {dt("desk.all")}</option>
          {cats.map((c) => (
            <option key={c.code} value={c.code}>
              {localName(c)}
            </option>
          ))}
        </select>
        <select value={filter.colour ?? ""} onChange={(e) => set({ colour: e.currentTarget.value || undefined })} data-testid="board-colour" aria-label={dt("f.color")}>
          <option value="">{dt("f.color")} · {dt("desk.all")}</option>
          {COLOURS.map((c) => (
            <option key={c} value={c}>
              {dt(deskKey("color.", c)!)}
            </option>
          ))}
        </select>
        <select value={filter.status ?? ""} onChange={(e) => set({ status: e.currentTarget.value || undefined })} data-testid="board-status" aria-label={dt("f.status")}>
          <option value="">{dt("f.status")} · {dt("b.open_only")}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusText(s)}
            </option>
          ))}
        </select>
        <select value={filter.department ?? ""} onChange={(e) => set({ department: num(e.currentTarget.value) })} data-testid="board-department" aria-label={dt("f.department")}>
          <option value="">{dt("f.department")} · {dt("desk.all")}</option>
          {depts.map((d) => (
            <option key={d.id} value={d.id}>
              {deptName(d)}
            </option>
          ))}
        </select>
        <select value={sort} onChange={(e) => setSort(e.currentTarget.value as SortKey)} data-testid="board-sort" aria-label={dt("b.sort")}>
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {dt(deskKey("sort.", s)!)}
            </option>
          ))}
        </select>
      </div>
      <p class="sub" data-testid="board-count">{dt("desk.count", { n: shown.length })}</p>
      {tickets !== undefined && !shown.length ? <p class="hint">{dt("b.empty")}</p> : null}
      <table class="dk-table" data-testid="board-table">
        <thead>
          <tr>
            <th>{dt("f.color")}</th>
            <th>{dt("f.title")}</th>
            <th>{dt("f.grid")}</th>
            <th>{dt("f.status")}</th>
            <th>{dt("f.department")}</th>
            <th>{dt("f.level")}</th>
            <th>{dt("f.time_left")}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((t) => {
            const d = t.data;
            const dept = depts.find((x) => x.id === d.department);
            return (
              <tr key={t.id} class={`dk-row dk-row-${t.colour ?? "none"}`} data-testid="board-ticket" data-ticket-id={t.id} data-colour={t.colour ?? ""} data-status={String(d.status ?? "")}>
                <td>
                  <ColourChip colour={t.colour} />
                </td>
                <td>
                  <a href={`#/ticket/${t.id}`} data-testid="board-open">
                    {String(d.title ?? "")}
                  </a>
                  <div class="sub">
                    <span class="mono">{ticketNumber(t.id)}</span>
                    {d.place ? ` · ${String(d.place)}` : ""}
                  </div>
                </td>
                <td>{grids.find((g) => g.id === t.gridId)?.name ?? String(t.gridId ?? "")}</td>
                <td>
                  <StatusChip status={d.status} />
                </td>
                <td data-testid="board-department-name">{dept ? deptName(dept) : ""}</td>
                <td>{levelText(d.level ?? "grid")}</td>
                <td>
                  <TimeLeft deadline={d.due_at} status={d.status} now={now} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </main>
  );
}
