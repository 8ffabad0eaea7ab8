/**
 * Hotline cases to place (热线待分派): cases handed in through Open311 (the
 * 12345 hotline …) whose point lies in no grid wait in the queue of the
 * street whose grid is nearest. The street's supervisor reads each one —
 * what, where, when it came in, how long it has waited, who handed it in —
 * and sends it to one of the street's grids, nearest first; there it becomes
 * a report in the lead's huddle. Placing a case is an online call, like the
 * admin's set-up: offline, the screen shows what this device keeps and says
 * placing needs the network.
 */

import { useState } from "preact/hooks";
import { errorText, localName, locale } from "../../i18n";
import { runtime } from "../../runtime";
import { ApiError } from "../../sync/api";
import type { GridName } from "../../sync/desk";
import { assignCase, loadIntakeQueue, refreshIntakeQueue, type QueuedCase } from "../../sync/intake";
import { gridChoices } from "./gridChoices";
import type { Category } from "../../sync/reference";
import { useLiveQuery, useOnline } from "../hooks";
import { useGrids, useNow, useReference, useRefresh } from "../desk/hooks";
import { whenText } from "../desk/parts";
import { dt, durationText, labelled } from "../desk/words";
import "../desk/desk.css";

const DAY_MS = 86_400_000;

/** A distance in words: "350 米", "1.2 公里". */
function distanceText(metres: number): string {
  return metres < 1000 ? dt("dist.m", { n: Math.round(metres / 10) * 10 }) : dt("dist.km", { n: Math.round(metres / 100) / 10 });
}

/** The caller's name as people say it: family name first in Chinese. */
function callerText(contact: QueuedCase["contact"]): string {
  const first = contact.first_name ?? "";
  const last = contact.last_name ?? "";
  const name = locale.value === "en" ? [first, last].filter(Boolean).join(" ") : `${last}${first}`;
  return [name, contact.phone, contact.email].filter(Boolean).join(" · ");
}

interface CardProps {
  item: QueuedCase;
  grids: readonly GridName[];
  cats: readonly Category[];
  now: number;
  online: boolean;
  onPlaced: (text: string) => void;
}

function CaseCard({ item, grids, cats, now, online, onPlaced }: CardProps) {
  const { db, api } = runtime();
  const choices = gridChoices(item, grids);
  // Untouched (null), the nearest grid is suggested; the grids may arrive after the case.
  const [picked, setPicked] = useState<number | "" | null>(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState("");
  const cat = cats.find((c) => c.code === item.service_code);
  const waited = now - Date.parse(item.requested_at);
  const caller = callerText(item.contact ?? {});
  const chosen = picked ?? choices[0]?.grid.id ?? "";
  const place = async (e: Event) => {
    e.preventDefault();
    if (chosen === "") return;
    setBusy(true);
    setFailed("");
    try {
      await assignCase(db, api, item.id, chosen);
      const name = grids.find((g) => g.id === chosen)?.name ?? String(chosen);
      onPlaced(dt("in.placed", { grid: name, what: item.description || (cat ? localName(cat) : item.service_code) }));
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 409)) onPlaced(dt("in.taken"));
      else setFailed(dt("in.failed", { why: err instanceof ApiError ? errorText(err.code, err.message) : String(err) }));
      setBusy(false);
    }
  };
  return (
    <li class="card dk-queue-card" data-testid="intake-case" data-case-id={item.id}>
      <div class="dk-card-head">
        <strong class="dk-card-title" data-testid="intake-category">
          {cat ? localName(cat) : item.service_code}
        </strong>
        <span class="badge" data-testid="intake-source" title={item.account ?? ""}>
          {labelled("in.source")}
          {item.account_name || item.account || ""}
        </span>
        <span class={waited >= DAY_MS ? "dk-time dk-over" : "dk-time"} data-testid="intake-waited" title={waited >= DAY_MS ? dt("in.old") : undefined}>
          {dt("q.waiting", { t: durationText(waited) })}
        </span>
      </div>
      <p class="dk-report-text" data-testid="intake-description">
        {item.description || dt("in.no_description")}
      </p>
      <p class="sub dk-report-meta">
        <span data-testid="intake-address">{item.address || dt("in.no_address")}</span> · {dt("in.received", { time: whenText(item.requested_at, now) })}
      </p>
      {caller ? (
        <p class="sub dk-report-meta" data-testid="intake-caller">
          {labelled("in.caller")}
          {caller}
        </p>
      ) : null}
      <form class="dk-card-actions" onSubmit={(e) => void place(e)}>
        <span class="dk-dispatch">
          <select
            value={chosen}
            onChange={(e) => setPicked(e.currentTarget.value ? Number(e.currentTarget.value) : "")}
            disabled={busy}
            aria-label={dt("in.grid")}
            data-testid="intake-grid"
          >
            <option value="">{dt("in.pick_grid")}</option>
            {choices.map(({ grid: g, distanceM }, i) => (
              <option key={g.id} value={g.id}>
                {g.name}
                {distanceM != null ? ` · ${dt("in.distance", { d: distanceText(distanceM) })}` : ""}
                {i === 0 && distanceM != null ? dt("in.nearest") : ""}
              </option>
            ))}
          </select>
          <button type="submit" class="btn btn-primary" disabled={!online || busy || chosen === ""} data-testid="intake-assign">
            {busy ? dt("in.assigning") : dt("in.assign")}
          </button>
        </span>
      </form>
      {failed ? (
        <p class="banner banner-error" role="alert" data-testid="intake-failed">
          {failed}
        </p>
      ) : null}
    </li>
  );
}

/** The hotline cases screen. */
export function Intake() {
  const { db, api } = runtime();
  const online = useOnline();
  const queue = useLiveQuery(async () => (await loadIntakeQueue(db)) ?? null, []);
  const { busy, error, refresh } = useRefresh(() => refreshIntakeQueue(db, api), []);
  const grids = useGrids();
  const { cats } = useReference();
  const now = useNow();
  const [placed, setPlaced] = useState("");
  const cases = queue?.cases ?? [];
  return (
    <main class="screen desk" data-testid="intake-screen">
      <header class="dk-head">
        <h1>{dt("in.title")}</h1>
        <span class="count" data-testid="intake-count">
          {cases.length}
        </span>
      </header>
      <p class="sub">{dt("in.lead")}</p>
      <div class="dk-bar">
        <span class="sub" data-testid="intake-as-of" role="status">
          {queue ? dt("desk.as_of", { time: whenText(queue.fetchedAt, now) }) : ""}
          {!online ? ` · ${dt("desk.offline_cache")}` : ""}
        </span>
        <button type="button" class="btn btn-secondary" disabled={busy || !online} onClick={() => void refresh()} data-testid="intake-refresh">
          {busy ? dt("desk.refreshing") : dt("desk.refresh")}
        </button>
      </div>
      {!online ? (
        <p class="banner banner-warn" role="status" data-testid="intake-offline">
          {dt("in.online_only")}
        </p>
      ) : null}
      {error && online ? (
        <p class="banner banner-warn" role="alert" data-testid="intake-error">
          {errorText(error.code, error.message)}
        </p>
      ) : null}
      {placed ? (
        <p class="banner banner-info" role="status" data-testid="intake-placed">
          <span>{placed}</span>
          <button type="button" class="btn btn-secondary" onClick={() => setPlaced("")}>
            {dt("out.dismiss")}
          </button>
        </p>
      ) : null}
      {queue === undefined || (queue === null && online && !error) ? (
        <p class="hint" aria-busy="true" data-testid="intake-loading">
          {dt("in.loading")}
        </p>
      ) : queue === null ? (
        !online ? <p class="hint">{dt("desk.no_cache")}</p> : null
      ) : !cases.length ? (
        <p class="hint" data-testid="intake-empty">
          {dt("in.empty")}
        </p>
      ) : (
        <ul class="list dk-queue" data-testid="intake-list">
          {cases.map((item) => (
            <CaseCard key={item.id} item={item} grids={grids} cats={cats} now={now} online={online} onPlaced={setPlaced} />
          ))}
        </ul>
      )}
    </main>
  );
}
