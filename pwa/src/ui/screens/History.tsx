import { useState } from "preact/hooks";
import { isMine, listRecords } from "../../db/queries";
import type { RecordRow } from "../../db/schema";
import { formatDateTime, localName, t, type MessageKey } from "../../i18n";
import { runtime } from "../../runtime";
import type { Session } from "../../sync/api";
import { categories } from "../../sync/reference";
import { StatusText, SyncBadge } from "../components/StatusBadge";
import { useLiveQuery, useMeta } from "../hooks";

type Filter = "all" | "report" | "checkin" | "visit";
const FILTERS: [Filter, MessageKey][] = [
  ["all", "history.all"],
  ["report", "history.reports"],
  ["checkin", "history.checkins"],
  ["visit", "history.visits"],
];

/** Everything I recorded on this phone or that the server holds as mine, newest first. */
export function History() {
  const { db } = runtime();
  const session = useMeta<Session>("session");
  const [filter, setFilter] = useState<Filter>("all");
  const cats = useLiveQuery(() => categories(db), []) ?? [];
  const rows =
    useLiveQuery(async () => {
      const entities = filter === "all" ? ["report", "checkin", "visit"] : [filter];
      const lists = await Promise.all(entities.map((e) => listRecords(db, e)));
      return lists.flat().sort((a, b) => (a.sortAt < b.sortAt ? 1 : -1));
    }, [filter]) ?? [];
  const mine = rows.filter((r) => isMine(r, session?.user));

  const title = (r: RecordRow) => {
    if (r.entity === "report") {
      const c = cats.find((x) => x.code === r.data.category);
      return `${c ? localName(c) : String(r.data.category ?? "")} ${r.data.description ? `· ${String(r.data.description).slice(0, 40)}` : ""}`;
    }
    if (r.entity === "visit") return `${t("entity.visit")} · ${String(r.data.place ?? "")}`;
    return t("entity.checkin");
  };
  const href = (r: RecordRow) => (r.entity === "report" ? `#/report/${r.entity_id}` : r.entity === "visit" ? `#/visit/${r.entity_id}` : undefined);

  return (
    <main class="screen history">
      <h1>{t("history.title")}</h1>
      <div class="segmented" role="tablist">
        {FILTERS.map(([f, label]) => (
          <button
            key={f}
            type="button"
            role="tab"
            aria-selected={filter === f}
            class={filter === f ? "seg selected" : "seg"}
            onClick={() => setFilter(f)}
            data-testid={`history-filter-${f}`}
          >
            {t(label)}
          </button>
        ))}
      </div>
      {mine.length === 0 ? <p class="hint">{t("history.empty")}</p> : null}
      <ul class="list">
        {mine.map((r) => {
          const body = (
            <>
              <span class="when">{formatDateTime(r.sortAt)}</span>
              <span class="grow">{title(r)}</span>
              {r.entity === "report" ? <StatusText status={r.data.status} /> : null}
              <SyncBadge rec={r} />
            </>
          );
          const link = href(r);
          return (
            <li key={`${r.entity}:${r.entity_id}`} data-testid={`history-${r.entity}`}>
              {link ? (
                <a class="row" href={link}>
                  {body}
                </a>
              ) : (
                <div class="row">{body}</div>
              )}
            </li>
          );
        })}
      </ul>
    </main>
  );
}
