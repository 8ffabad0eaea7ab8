import { outboxItems, pendingPhotos, storedConflicts } from "../../db/queries";
import type { OutboxItem } from "../../db/schema";
import { errorText, formatBytes, formatDateTime, t, type MessageKey } from "../../i18n";
import { zhCN } from "../../i18n/zh-CN";
import { runtime } from "../../runtime";
import { discardRejected, retryRejected } from "../../sync/outbox";
import { describeConflict, valueText, type ConflictSide } from "../../sync/conflicts";
import { displayName } from "../../sync/reference";
import { knownPeople } from "../../sync/people";
import type { Session } from "../../sync/api";
import { useLiveQuery, useMeta, useOnline } from "../hooks";
import { capabilities } from "../roles";

function opLabel(op: string): string {
  const key = `sync.op.${op}` as MessageKey;
  const text = t(key);
  return text === key ? op : text;
}

/** The server's per-field reasons for a rejection, as "field: reason" lines. */
export function detailLines(details: unknown): string[] {
  if (!details || typeof details !== "object") return [];
  return Object.entries(details as Record<string, unknown>).map(
    ([field, why]) => `${field}: ${Array.isArray(why) ? why.join(" ") : typeof why === "string" ? why : JSON.stringify(why)}`,
  );
}

function summary(item: OutboxItem): string {
  const d = item.mutation.data;
  const text = d.description ?? d.title ?? d.place ?? d.note ?? d.notes ?? "";
  return String(text).slice(0, 40);
}

function Side({ label, side }: { label: string; side: ConflictSide }) {
  const members = useLiveQuery(() => knownPeople(runtime().db), []) ?? [];
  return (
    <div>
      {label}: <code>{valueText(side.value)}</code>
      {side.actor || side.at ? (
        <span class="sub">
          {" "}
          ({[displayName(members, side.actor), side.at ? formatDateTime(side.at) : ""].filter(Boolean).join(" · ")})
        </span>
      ) : null}
    </div>
  );
}

/** A field's name in the user's language where the catalogue has one (report.description …). */
function fieldLabel(entity: string, field: string): string {
  const key = `${entity || "report"}.${field}`;
  return key in zhCN ? t(key as MessageKey) : field;
}

/** Sync: the outbox item by item, photo uploads, last success, errors in plain words, conflicts. */
export function Sync() {
  const { db, deviceId, scheduler } = runtime();
  const online = useOnline();
  const status = scheduler.status.value;
  const items = useLiveQuery(() => outboxItems(db), []) ?? [];
  const photos = useLiveQuery(() => pendingPhotos(db), []) ?? [];
  const conflicts = useLiveQuery(() => storedConflicts(db), []) ?? [];
  const lastSync = useMeta<{ at: string }>("last_sync");
  const session = useMeta<Session>("session");
  const lastError = useMeta<{ code: string; message: string; at?: string } | null>("last_sync_error");

  return (
    <main class="screen sync">
      <header class="screen-head">
        <h1>{t("sync.title")}</h1>
        <p class="sub" data-testid="last-sync">
          {t("sync.last")}: {lastSync?.at ? formatDateTime(lastSync.at) : t("sync.never")}
        </p>
      </header>
      {!online ? <p class="banner banner-info">{t("sync.offline")}</p> : null}
      {lastError ? (
        <p class="banner banner-error" role="alert" data-testid="sync-error">
          {errorText(lastError.code, lastError.message)}
        </p>
      ) : null}
      <button
        type="button"
        class="btn btn-primary btn-block"
        disabled={status.running}
        onClick={() => void scheduler.run(true)}
        data-testid="sync-now"
      >
        {status.running ? t("sync.running") : t("sync.now")}
      </button>

      <section class="card" aria-labelledby="ob-h">
        <h2 id="ob-h">
          {t("sync.outbox")} <span class="count" data-testid="outbox-count">{items.length}</span>
        </h2>
        {items.length === 0 ? <p class="hint">{t("sync.outbox_empty")}</p> : null}
        <ul class="list">
          {items.map((item) => (
            <li key={item.seq} class={`row outbox-item ${item.status}`} data-testid="outbox-item" data-status={item.status}>
              <div class="grow">
                <strong>
                  {t(`entity.${item.mutation.entity}` as MessageKey)} · {opLabel(item.mutation.op)}
                </strong>
                <div class="sub">
                  {formatDateTime(item.createdAt)} {summary(item)}
                </div>
                {item.attempts > 0 ? <div class="sub">{t("sync.attempts", { n: item.attempts })}</div> : null}
                {item.lastError ? (
                  <div class="error" data-testid="outbox-error">
                    {errorText(item.lastError.code, item.lastError.message)}
                    {detailLines(item.lastError.details).map((line) => (
                      <div key={line} class="sub">
                        {line}
                      </div>
                    ))}
                  </div>
                ) : null}
              </div>
              {item.status === "rejected" ? (
                <div class="row-actions">
                  <button type="button" class="btn btn-secondary" onClick={() => void retryRejected(db, deviceId, item.seq!)} data-testid="outbox-retry">
                    {t("sync.retry")}
                  </button>
                  <button
                    type="button"
                    class="btn btn-danger"
                    onClick={() => confirm(t("sync.confirm_discard")) && void discardRejected(db, item.seq!)}
                    data-testid="outbox-discard"
                  >
                    {t("sync.discard")}
                  </button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="ph-h">
        <h2 id="ph-h">
          {t("sync.photos")} <span class="count" data-testid="photo-count">{photos.length}</span>
        </h2>
        {photos.length === 0 ? <p class="hint">{t("sync.photos_empty")}</p> : null}
        <ul class="list">
          {photos.map((p) => (
            <li key={p.sha} class="row photo-upload" data-testid="photo-upload">
              <span class="mono">{p.sha.slice(0, 8)}</span>
              <progress max={p.size || 1} value={p.uploaded} aria-label={`${p.sha.slice(0, 8)} ${formatBytes(p.uploaded)} / ${formatBytes(p.size)}`} />
              <span class="sub">
                {formatBytes(p.uploaded)} / {formatBytes(p.size)}
              </span>
              {p.error ? <span class="error">{errorText(p.error)}</span> : null}
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="cf-h">
        <h2 id="cf-h">
          {t("sync.conflicts")} <span class="count">{conflicts.length}</span>
        </h2>
        {conflicts.length === 0 ? <p class="hint">{t("sync.conflicts_empty")}</p> : null}
        <ul class="list">
          {conflicts.map((c) => {
            const info = describeConflict(c.raw);
            return (
              <li key={c.id} class="conflict" data-testid="conflict-item">
                <strong>
                  {t(`entity.${info.entity || "report"}` as MessageKey)} · {fieldLabel(info.entity, info.field)}
                </strong>
                <Side label={t("sync.conflict_kept")} side={info.kept} />
                {info.losing.map((l, i) => (
                  <Side key={i} label={t("sync.conflict_lost")} side={l} />
                ))}
                {info.entity === "report" && info.entityId ? <a href={`#/report/${info.entityId}`}>{t("report.detail")}</a> : null}
              </li>
            );
          })}
        </ul>
        {conflicts.length > 0 && capabilities(session?.user.role).huddle ? (
          <a class="btn btn-secondary" href="#/huddle" data-testid="conflicts-to-huddle">
            {t("sync.conflicts_resolve")}
          </a>
        ) : null}
      </section>
    </main>
  );
}
