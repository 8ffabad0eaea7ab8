/**
 * The evening huddle board (碰头会) for one grid and one day, on the lead's tablet.
 *
 * It reads the stored huddle snapshot (sync/huddle.ts) and this tablet's
 * records, so it opens from cache with no network; every action is a mutation
 * in the outbox (sync/huddleCommands.ts) and shows as pending until the server
 * has answered. Loaded as a chunk of its own (see ui/App.tsx).
 *
 * A day can hold hundreds of reports: the board redraws only what changed
 * (unchanged reports and clusters keep their objects, see model.ts, and the
 * parts are memoised), and long lists are drawn a batch per task.
 */

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { getMeta } from "../../db/meta";
import { getRecords, recordIdsOf, recordsOf } from "../../db/queries";
import { whenIdle } from "../../idle";
import type { RecordRow } from "../../db/schema";
import { errorText, formatDateTime, formatTime, localName, t } from "../../i18n";
import { runtime } from "../../runtime";
import { ApiError } from "../../sync/api";
import { loadAsOf, loadHuddle, loadHuddleIds, refreshHuddle } from "../../sync/huddle";
import { categories, teamMembers, type Category, type TeamMember } from "../../sync/reference";
import { useLiveQuery, useOnline } from "../hooks";
import { navigate } from "../router";
import { Clusters, LooseReports, Matches, SolvedOnSite } from "./Clusters";
import { CommonProblems, Compliance } from "./Compliance";
import { Conflicts } from "./Conflicts";
import { BoardContext, Later, type BoardCtx } from "./context";
import { GridMap } from "./GridMap";
import { buildBoard, draftKey, localToday, type BoardView, type LocalState } from "./model";
import { Pending } from "./Pending";
import { preloadThumbs } from "./thumbs";
import { Tickets } from "./Tickets";
import "./huddle.css";

const NO_MEMBERS: TeamMember[] = [];
const NO_CATEGORIES: Category[] = [];

/** Fetches the day's board on opening, when the network comes back and after each sync; says what went wrong. */
function useSnapshotRefresh(day: string) {
  const { db, api, scheduler } = runtime();
  const online = useOnline();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
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
  useEffect(() => {
    // When idle: a stored snapshot is drawn first, and the refresh's work waits for it.
    if (online) return whenIdle(() => void refresh(), 1000);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [day, online]);
  // After a sync that may have pushed the board's actions. Subscribed here rather than read
  // while drawing, so a sync starting or ending does not redraw the board.
  useEffect(() => {
    let last = scheduler.status.peek().lastReport;
    return scheduler.status.subscribe((status) => {
      if (status.lastReport && status.lastReport !== last && navigator.onLine) void refresh();
      last = status.lastReport;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [day]);
  return { busy, error, refresh };
}

function Head({ day, gridName, busy, onRefresh }: { day: string; gridName?: string; busy: boolean; onRefresh: () => void }) {
  const { db } = runtime();
  const online = useOnline();
  const asOf = useLiveQuery(() => loadAsOf(db, "mine", day), [day]);
  const at = asOf?.generatedAt ?? asOf?.fetchedAt;
  return (
    <header class="hb-head">
      <h1>
        {t("huddle.title")}
        {gridName ? <span class="sub"> · {gridName}</span> : null}
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
        {at ? t("huddle.as_of", { time: day === localToday() ? formatTime(at) : formatDateTime(at) }) : ""}
        {!online ? ` · ${t("huddle.offline_cache")}` : ""}
      </span>
      <button type="button" class="btn btn-secondary" disabled={busy || !online} onClick={onRefresh} data-testid="huddle-refresh">
        {busy ? t("huddle.refreshing") : t("huddle.refresh")}
      </button>
    </header>
  );
}

function Summary({ view, visits }: { view: BoardView; visits: number }) {
  const problems = view.flagged.length;
  return (
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
        <strong data-testid="count-visits">{visits}</strong> {t("huddle.count.visits")}
      </li>
    </ul>
  );
}

/** The board screen. `date` (YYYY-MM-DD) from the route; today by default. */
export function Board({ date }: { date?: string }) {
  const { db, deviceId, scheduler } = runtime();
  const day = date ?? localToday();
  const online = useOnline();
  const snapshot = useLiveQuery(async () => (await loadHuddle(db, "mine", day)) ?? null, [day]);
  const { busy, error, refresh } = useSnapshotRefresh(day);
  const members = useLiveQuery(() => teamMembers(db), []) ?? NO_MEMBERS;
  const cats = useLiveQuery(() => categories(db), []) ?? NO_CATEGORIES;
  const huddle = snapshot?.huddle;
  // Read alongside the snapshot, not after it: its report ids are stored apart from it.
  const local = useLiveQuery(async (): Promise<LocalState> => {
    const ids = await loadHuddleIds(db, "mine", day);
    const [rows, tickets, keepApart, resolved, added] = await Promise.all([
      getRecords(db, "report", ids),
      recordsOf(db, "ticket"),
      recordsOf(db, "keep_apart"),
      recordIdsOf(db, "conflict"),
      getMeta<Record<string, string[]>>(db, draftKey(day)),
    ]);
    return {
      reports: new Map(rows.filter((r): r is RecordRow => !!r).map((r) => [r.entity_id, r])),
      tickets,
      keepApart,
      resolvedConflicts: new Set(resolved),
      added: added ?? {},
    };
  }, [day]);
  const previous = useRef<BoardView>();
  const view = useMemo(() => {
    if (!huddle || !local) return null;
    previous.current = buildBoard(huddle, local, previous.current);
    return previous.current;
  }, [huddle, local]);
  const gridId = huddle?.grid.id ?? 0;
  const ctx: BoardCtx = useMemo(
    () => ({
      db,
      node: deviceId,
      gridId,
      date: day,
      members,
      catName: (code: string) => {
        const c = cats.find((x) => x.code === code);
        return c ? localName(c) : code;
      },
      categories: cats,
      acted: () => scheduler.soon(),
    }),
    [gridId, day, members, cats],
  );
  const ticketed = useMemo(() => view?.reports.filter((r) => r.ticketId) ?? [], [view]);
  // The day's thumbnails load in the background, in the order the board lists the reports.
  const shas = useMemo(() => (view ? [...view.clusters.flatMap((c) => c.members), ...view.reports].flatMap((r) => r.photos.slice(0, 1)) : []), [view]);
  useEffect(() => (shas.length ? preloadThumbs(shas) : undefined), [shas.join(" ")]);

  const head = <Head day={day} gridName={huddle?.grid.name} busy={busy} onRefresh={() => void scheduler.run(true).then(refresh)} />;
  if (snapshot === undefined) {
    return (
      <main class="screen huddle" aria-busy="true">
        {head}
        <p class="hint">{t("common.loading")}</p>
      </main>
    );
  }
  if (!huddle || !view) {
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
        <Summary view={view} visits={huddle.visits} />
        <div class="hb-columns">
          <div class="hb-main">
            <Clusters view={view} />
            <Later>
              <Matches matches={view.matches} view={view} />
            </Later>
            <Later>
              <LooseReports loose={view.loose} ticketed={ticketed} />
            </Later>
            <Later>
              <SolvedOnSite reports={view.solvedOnSite} />
            </Later>
          </div>
          <aside class="hb-side">
            <div class="hb-actions">
              <Tickets view={view} />
              <Conflicts view={view} />
            </div>
            <div class="hb-context">
              <Later>{huddle.map ? <GridMap map={huddle.map} reports={view.reports} clusters={view.clusters} /> : null}</Later>
              <Later>
                <Compliance rows={huddle.checkins} />
                <CommonProblems problems={huddle.common_problems} />
              </Later>
            </div>
          </aside>
        </div>
      </main>
    </BoardContext.Provider>
  );
}
