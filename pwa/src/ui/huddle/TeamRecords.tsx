/**
 * 团队记录: the whole team's records on the lead's device, filterable by member,
 * day, category and status. Read from IndexedDB (the lead pulls the grid), so
 * it works offline; people are shown by display name, never by username.
 */

import { useState } from "preact/hooks";
import { listRecords } from "../../db/queries";
import type { RecordRow } from "../../db/schema";
import { formatDateTime, localName, t, type MessageKey } from "../../i18n";
import { REPORT_STATUS } from "../../sync/entities";
import { runtime } from "../../runtime";
import { categories, displayName, teamMembers } from "../../sync/reference";
import { StatusText, SyncBadge } from "../components/StatusBadge";
import { useLiveQuery } from "../hooks";
import { localToday } from "./model";
import "./huddle.css";

type Kind = "report" | "checkin" | "visit";
const KINDS: [Kind, MessageKey][] = [
  ["report", "history.reports"],
  ["checkin", "history.checkins"],
  ["visit", "history.visits"],
];
const OWNER: Record<Kind, string> = { report: "reporter", checkin: "user", visit: "visitor" };
const STATUSES = [REPORT_STATUS.initial, ...new Set(REPORT_STATUS.transitions.map((tr) => tr.target))];
const PAGE = 100;

/** The local calendar day of an ISO time. */
function dayOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : localToday(d);
}

export interface TeamFilter {
  kind: Kind;
  member: string;
  day: string;
  category: string;
  status: string;
}

/** The records that pass a filter (pure, for the screen and its tests). */
export function filterRecords(rows: readonly RecordRow[], f: TeamFilter): RecordRow[] {
  return rows.filter(
    (r) =>
      (!f.member || r.data[OWNER[f.kind]] === f.member) &&
      (!f.day || dayOf(r.sortAt) === f.day) &&
      (f.kind !== "report" || !f.category || r.data.category === f.category) &&
      (f.kind !== "report" || !f.status || (r.data.status ?? "open") === f.status),
  );
}

export function TeamRecords() {
  const { db } = runtime();
  const [filter, setFilter] = useState<TeamFilter>({ kind: "report", member: "", day: localToday(), category: "", status: "" });
  const [shown, setShown] = useState(PAGE);
  const members = useLiveQuery(() => teamMembers(db), []) ?? [];
  const cats = useLiveQuery(() => categories(db), []) ?? [];
  const rows = useLiveQuery(() => listRecords(db, filter.kind), [filter.kind]) ?? [];
  const set = (patch: Partial<TeamFilter>) => {
    setFilter((f) => ({ ...f, ...patch }));
    setShown(PAGE);
  };
  const matching = filterRecords(rows, filter);
  const catName = (code: unknown) => {
    const c = cats.find((x) => x.code === code);
    return c ? localName(c) : String(code ?? "");
  };
  const summary = (r: RecordRow) => {
    if (r.entity === "report") return `${catName(r.data.category)} · ${String(r.data.description ?? "").slice(0, 60)}`;
    if (r.entity === "visit") return String(r.data.place ?? "");
    return String(r.data.note ?? "");
  };

  return (
    <main class="screen team-records" data-testid="team-records">
      <h1>{t("team.title")}</h1>
      <div class="segmented" role="tablist">
        {KINDS.map(([k, label]) => (
          <button
            key={k}
            type="button"
            role="tab"
            aria-selected={filter.kind === k}
            class={filter.kind === k ? "seg selected" : "seg"}
            onClick={() => set({ kind: k })}
            data-testid={`team-kind-${k}`}
          >
            {t(label)}
          </button>
        ))}
      </div>
      <div class="hb-filters">
        <label class="field">
          <span>{t("team.member")}</span>
          <select value={filter.member} onChange={(e) => set({ member: e.currentTarget.value })} data-testid="team-member">
            <option value="">{t("team.everyone")}</option>
            {members.map((m) => (
              <option key={m.username} value={m.username}>
                {m.display_name || m.username}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t("team.day")}</span>
          <input type="date" value={filter.day} onChange={(e) => set({ day: e.currentTarget.value })} data-testid="team-day" />
        </label>
        {filter.kind === "report" ? (
          <>
            <label class="field">
              <span>{t("report.category")}</span>
              <select value={filter.category} onChange={(e) => set({ category: e.currentTarget.value })} data-testid="team-category">
                <option value="">{t("team.any")}</option>
                {cats.map((c) => (
                  <option key={c.code} value={c.code}>
                    {localName(c)}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>{t("team.status")}</span>
              <select value={filter.status} onChange={(e) => set({ status: e.currentTarget.value })} data-testid="team-status">
                <option value="">{t("team.any")}</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}` as MessageKey)}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
      </div>
      <p class="sub" data-testid="team-count">
        {t("team.count", { n: matching.length })}
      </p>
      <ul class="list card">
        {matching.slice(0, shown).map((r) => {
          const body = (
            <>
              <strong class="hb-who" data-testid="team-record-who">
                {displayName(members, r.data[OWNER[filter.kind]])}
              </strong>
              <span class="when">{formatDateTime(r.sortAt)}</span>
              <span class="grow">{summary(r)}</span>
              {r.entity === "report" ? <StatusText status={r.data.status} /> : null}
              <SyncBadge rec={r} />
            </>
          );
          return (
            <li key={r.entity_id} data-testid="team-record">
              {r.entity === "report" ? (
                <a class="row" href={`#/report/${r.entity_id}`}>
                  {body}
                </a>
              ) : r.entity === "visit" ? (
                <a class="row" href={`#/visit/${r.entity_id}`}>
                  {body}
                </a>
              ) : (
                <div class="row">{body}</div>
              )}
            </li>
          );
        })}
      </ul>
      {matching.length > shown ? (
        <button type="button" class="btn btn-secondary btn-block" onClick={() => setShown((n) => n + PAGE)}>
          {t("team.more")}
        </button>
      ) : null}
    </main>
  );
}
