/**
 * The evening huddle board (碰头会) for one grid and one day, on the lead's tablet.
 *
 * It reads the stored huddle snapshot (sync/huddle.ts) and this tablet's
 * records, so it opens from cache with no network; every action is a mutation
 * in the outbox (sync/huddleCommands.ts) and shows as pending until the server
 * has answered. Loaded as a chunk of its own (see ui/App.tsx).
 */

import { useEffect, useMemo, useState } from "preact/hooks";
import { getMeta } from "../../db/meta";
import type { RecordRow } from "../../db/schema";
import { errorText, formatDateTime, formatTime, localName, t } from "../../i18n";
import { runtime } from "../../runtime";
import { ApiError } from "../../sync/api";
import { loadHuddle, refreshHuddle } from "../../sync/huddle";
import { categories, teamMembers } from "../../sync/reference";
import { useLiveQuery, useOnline } from "../hooks";
import { navigate } from "../router";
import { Clusters, LooseReports, Matches, SolvedOnSite } from "./Clusters";
import { Conflicts } from "./Conflicts";
import { BoardContext, type BoardCtx } from "./context";
import { CommonProblems, Compliance } from "./Compliance";
import { GridMap } from "./GridMap";
import { buildBoard, draftKey, localToday, type LocalState } from "./model";
import { Pending } from "./Pending";
import { Tickets } from "./Tickets";
import "./huddle.css";

function useSnapshotRefresh(day: string) {
  const { db, api, scheduler } = runtime();
  const online = useOnline();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const lastReport = scheduler.status.value.lastReport;
  const refresh = async () => {
    setBusy(true);
    try {
      await refreshHuddle(db, api, "mine", day);
      setError(null);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, "error", String((e as Error)?.message ?? e));
      setError({ code: err.code, message: err.message });
    } finally {
      setBusy(false);
    }
  };
  // On opening, when the network comes back, and after each sync (which may have pushed the board's actions).
  useEffect(() => {
    if (online) void refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [day, online, lastReport]);
  return { busy, error, refresh };
}

/** The board screen. `date` (YYYY-MM-DD) from the route; today by default. */
export function Board({ date }: { date?: string }) {
  const { db, deviceId, scheduler } = runtime();
  const day = date ?? localToday();
  const online = useOnline();
  const snapshot = useLiveQuery(async () => (await loadHuddle(db, "mine", day)) ?? null, [day]);
  const { busy, error, refresh } = useSnapshotRefresh(day);
  const members = useLiveQuery(() => teamMembers(db), []) ?? [];
  const cats = useLiveQuery(() => categories(db), []) ?? [];
  const huddle = snapshot?.huddle;
  const local = useLiveQuery(async (): Promise<LocalState | null> => {
    if (!huddle) return null;
    const keys = huddle.reports.map((r) => ["report", r.id] as [string, string]);
    const [rows, tickets, keepApart, resolved, added] = await Promise.all([
      db.records.bulkGet(keys),
      db.records.where("entity").equals("ticket").toArray(),
      db.records.where("entity").equals("keep_apart").toArray(),
      db.records.where("entity").equals("conflict").primaryKeys(),
      getMeta<Record<string, string[]>>(db, draftKey(huddle.grid.id, day)),
    ]);
    return {
      reports: new Map(rows.filter((r): r is RecordRow => !!r).map((r) => [r.entity_id, r])),
      tickets,
      keepApart,
      resolvedConflicts: new Set(resolved.map(([, id]) => id)),
      added: added ?? {},
    };
  }, [huddle, day]);
  const view = useMemo(() => (huddle && local ? buildBoard(huddle, local) : null), [huddle, local]);

  const ctx: BoardCtx | null = useMemo(
    () =>
      huddle && view
        ? {
            db,
            node: deviceId,
            gridId: huddle.grid.id,
            date: day,
            view,
            members,
            catName: (code: string) => {
              const c = cats.find((x) => x.code === code);
              return c ? localName(c) : code;
            },
            categories: cats,
            acted: () => scheduler.soon(),
          }
        : null,
    [huddle, view, members, cats, day],
  );

  const asOf = huddle?.generated_at ?? snapshot?.fetchedAt;
  const head = (
    <header class="hb-head">
      <h1>
        {t("huddle.title")}
        {huddle ? <span class="sub"> · {huddle.grid.name}</span> : null}
      </h1>
      <label class="hb-date">
        <span>{t("huddle.date")}</span>
        <input
          type="date"
          value={day}
          max={localToday()}
          onChange={(e) => e.currentTarget.value && navigate(`/huddle/${e.currentTarget.value}`)}
          data-testid="huddle-date"
        />
      </label>
      <span class="hb-asof" data-testid="huddle-as-of" role="status">
        {asOf ? t("huddle.as_of", { time: day === localToday() ? formatTime(asOf) : formatDateTime(asOf) }) : ""}
        {!online ? ` · ${t("huddle.offline_cache")}` : ""}
      </span>
      <button
        type="button"
        class="btn btn-secondary"
        disabled={busy || !online}
        onClick={() => void scheduler.run(true).then(refresh)}
        data-testid="huddle-refresh"
      >
        {busy ? t("huddle.refreshing") : t("huddle.refresh")}
      </button>
    </header>
  );

  if (snapshot === undefined) {
    return (
      <main class="screen huddle" aria-busy="true">
        {head}
        <p class="hint">{t("common.loading")}</p>
      </main>
    );
  }
  if (!huddle || !ctx || !view) {
    return (
      <main class="screen huddle" data-testid="huddle-board" aria-busy={busy}>
        {head}
        {error ? (
          <p class="banner banner-error" role="alert" data-testid="huddle-error">
            {errorText(error.code, error.message)}
          </p>
        ) : null}
        <p class="hint">{online ? t("common.loading") : t("huddle.no_cache")}</p>
      </main>
    );
  }

  const problems = view.flagged.length;
  return (
    <BoardContext.Provider value={ctx}>
      <main class="screen huddle" data-testid="huddle-board">
        {head}
        {error && online ? (
          <p class="banner banner-warn" role="alert" data-testid="huddle-error">
            {errorText(error.code, error.message)}
          </p>
        ) : null}
        <Pending />
        <ul class="hb-summary" aria-label={t("huddle.summary")}>
          <li>
            <strong data-testid="count-reports">{view.reports.length}</strong> {t("huddle.count.reports")}
          </li>
          <li>
            <strong data-testid="count-clusters">{view.clusters.length}</strong> {t("huddle.count.clusters")}
          </li>
          <li>
            <strong data-testid="count-solved">{view.solvedOnSite.length}</strong> {t("huddle.count.solved")}
          </li>
          <li class={problems ? "hb-alert" : ""}>
            <strong data-testid="count-flagged">{problems}</strong> {t("huddle.count.flagged")}
          </li>
          <li>
            <strong data-testid="count-conflicts">{view.conflicts.length}</strong> {t("huddle.count.conflicts")}
          </li>
          <li>
            <strong data-testid="count-visits">{huddle.visits}</strong> {t("huddle.count.visits")}
          </li>
        </ul>
        <div class="hb-columns">
          <div class="hb-main">
            <Clusters />
            <Matches />
            <LooseReports />
            <SolvedOnSite />
          </div>
          <aside class="hb-side">
            <div class="hb-actions">
              <Tickets />
              <Conflicts />
            </div>
            <div class="hb-context">
              {huddle.map ? <GridMap map={huddle.map} /> : null}
              <Compliance rows={huddle.checkins} />
              <CommonProblems problems={huddle.common_problems} />
            </div>
          </aside>
        </div>
      </main>
    </BoardContext.Provider>
  );
}
