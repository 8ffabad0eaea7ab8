/**
 * The dashboard (统计看板) for supervisors and admins: headline numbers with
 * the period before, a trend of found / closed / overdue, the grid map, the
 * ranking with its 骏马 / 蜗牛 flags and the department league. Laid out for a
 * desktop (1366 × 768) and, with `wall=1`, for a wall screen (1920 × 1080)
 * that refreshes itself. Its own lazy chunk; it reads the server's figures
 * through `data.ts` and keeps the last ones for when the network drops.
 */

import { useEffect, useState } from "preact/hooks";
import { formatDateTime, locale } from "../../i18n";
import { runtime } from "../../runtime";
import { navigate } from "../router";
import { Breakdown } from "./Breakdown";
import { type DashboardQuery, type DashboardSnapshot, type PeriodKind, loadDashboard, refreshDashboard } from "./data";
import { DistrictMap, type MapMetric } from "./DistrictMap";
import { Headline } from "./Headline";
import { League } from "./League";
import { RankingTable } from "./RankingTable";
import { TrendChart } from "./TrendChart";
import { w } from "./words";
import "./dashboard.css";

/** A wall screen asks again this often. */
const WALL_REFRESH_MS = 5 * 60 * 1000;
const PERIODS: PeriodKind[] = ["day", "week", "month"];

export interface DashboardParams {
  query: DashboardQuery;
  wall: boolean;
  metric: MapMetric;
}

/** The dashboard's state from its route (`#/dashboard?period=month&date=…&scope=grid&id=3&wall=1&map=on_time`). */
export function parseParams(search: string | undefined): DashboardParams {
  const p = new URLSearchParams(search ?? "");
  const period = PERIODS.includes(p.get("period") as PeriodKind) ? (p.get("period") as PeriodKind) : "month";
  const date = /^\d{4}-\d{2}-\d{2}$/.test(p.get("date") ?? "") ? p.get("date")! : undefined;
  const id = Number(p.get("id"));
  const scope = p.get("scope") ?? undefined;
  return {
    query: { period, date, scope, id: scope && Number.isInteger(id) && id > 0 ? id : undefined },
    wall: p.get("wall") === "1",
    metric: p.get("map") === "on_time" ? "on_time" : "open",
  };
}

export function toSearch(params: DashboardParams): string {
  const p = new URLSearchParams({ period: params.query.period });
  if (params.query.date) p.set("date", params.query.date);
  if (params.query.scope) p.set("scope", params.query.scope);
  if (params.query.id !== undefined) p.set("id", String(params.query.id));
  if (params.wall) p.set("wall", "1");
  if (params.metric !== "open") p.set("map", params.metric);
  return p.toString();
}

export function Dashboard({ search }: { search?: string }) {
  const params = parseParams(search);
  const lang = locale.value;
  const qs = toSearch(params);
  const [snapshot, setSnapshot] = useState<DashboardSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    const { db, api } = runtime();
    setError(null);
    loadDashboard(db, params.query, lang).then((cached) => {
      if (live && cached) {
        setSnapshot(cached);
        setStale(true);
      }
    });
    refreshDashboard(db, api, params.query, lang).then(
      (fresh) => {
        if (!live) return;
        setSnapshot(fresh);
        setStale(false);
      },
      (e: Error) => live && setError(e.message || String(e)),
    );
    return () => {
      live = false;
    };
  }, [qs, lang, tick]);

  useEffect(() => {
    if (!params.wall) return;
    const timer = setInterval(() => setTick((n) => n + 1), WALL_REFRESH_MS);
    return () => clearInterval(timer);
  }, [params.wall]);

  const go = (change: { wall?: boolean; metric?: MapMetric; query?: Partial<DashboardQuery> }) => {
    const next = { ...params, ...change, query: { ...params.query, ...(change.query ?? {}) } };
    navigate(`/dashboard?${toSearch(next)}`);
  };

  const stats = snapshot?.stats;
  return (
    <main class={params.wall ? "screen dashboard dash-wall" : "screen dashboard"} data-testid="dashboard"
      data-scope={stats ? `${stats.scope.kind}:${stats.scope.id}` : ""}>
      <header class="dash-head">
        <h1>
          {w(params.wall ? "title.wall" : "title")}
          {stats ? <span class="dash-scope" data-testid="dash-scope"> · {stats.scope.name}</span> : null}
        </h1>
        <div class="dash-controls">
          <div class="dash-toggle" role="group" aria-label={w("period.label")}>
            {PERIODS.map((p) => (
              <button key={p} type="button" class={p === params.query.period ? "active" : ""}
                aria-pressed={p === params.query.period} data-testid={`period-${p}`}
                onClick={() => go({ query: { period: p } })}>
                {w(`period.${p}`)}
              </button>
            ))}
          </div>
          <label class="dash-date">
            <span class="sr-only">{w("date.label")}</span>
            <input type="date" value={params.query.date ?? ""} data-testid="dash-date"
              onChange={(e) => go({ query: { date: (e.target as HTMLInputElement).value || undefined } })} />
          </label>
          {params.query.scope === "grid" ? (
            <button type="button" class="btn btn-secondary" data-testid="dash-back"
              onClick={() => go({ query: { scope: undefined, id: undefined } })}>{w("scope.back")}</button>
          ) : null}
          <button type="button" class="btn btn-secondary" data-testid="dash-wall-toggle"
            onClick={() => go({ wall: !params.wall })}>{w(params.wall ? "wall.off" : "wall.on")}</button>
        </div>
        {stats ? (
          <p class="sub dash-asof" data-testid="dash-period">
            {stats.period.from} – {stats.period.to} · {w("as_of", { t: formatDateTime(stats.as_of) })}
          </p>
        ) : null}
      </header>
      {stale && snapshot && error ? (
        <p class="banner banner-warn" role="status">{w("offline", { age: formatDateTime(snapshot.fetchedAt) })}</p>
      ) : null}
      {error && !snapshot ? (
        <p class="error" role="alert" data-testid="dash-error">
          {w("error", { message: error })}{" "}
          <button type="button" class="btn btn-secondary" onClick={() => setTick((n) => n + 1)}>{w("retry")}</button>
        </p>
      ) : null}
      {!stats && !error ? <p aria-busy="true">{w("loading")}</p> : null}
      {stats ? (
        <div class="dash-grid">
          <Headline measures={stats.measures} />
          <TrendChart points={stats.trend} />
          {stats.grids.length ? (
            <DistrictMap grids={stats.grids} metric={params.metric} onMetric={(m) => go({ metric: m })}
              onPick={(g) => go({ query: { scope: "grid", id: g.id } })} />
          ) : null}
          {snapshot?.ranking ? (
            <RankingTable ranking={snapshot.ranking} onPick={(id) => go({ query: { scope: "grid", id } })} />
          ) : null}
          <League rows={stats.departments} />
          <Breakdown stats={stats} />
        </div>
      ) : null}
    </main>
  );
}
