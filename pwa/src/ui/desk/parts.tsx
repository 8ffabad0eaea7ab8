/** Pieces every desk screen uses: colours, time left, photos at full size, the trail in words, pending and refused actions. */

import { useEffect, useState } from "preact/hooks";
import { outboxCountOf, rejectedItemsOf } from "../../db/queries";
import type { OutboxItem } from "../../db/schema";
import { errorText, formatDateTime, formatTime, locale, t, type Locale, type MessageKey } from "../../i18n";
import { displayPhotoUrl } from "../../photos/remote";
import { runtime } from "../../runtime";
import type { HistoryEntry } from "../../sync/desk";
import { dismissOutcome, outcomesFor } from "../../sync/outcomes";
import { discardRejected } from "../../sync/outbox";
import { displayName, type Department } from "../../sync/reference";
import type { Person } from "../../sync/people";
import { PhotoThumb } from "../components/PhotoThumb";
import { useLiveQuery, useOnline } from "../hooks";
import { DONE, msLeft, type Colour } from "./model";
import { deskKey, dt, durationText, type DeskKey } from "./words";

/** A ticket status in words (the app's catalogue has them). */
export function statusText(status: unknown): string {
  const key = `ticket.status.${String(status ?? "draft")}` as MessageKey;
  const text = t(key);
  return text === key ? String(status ?? "") : text;
}

export function StatusChip({ status }: { status: unknown }) {
  return (
    <span class={`dk-status dk-status-${String(status ?? "draft")}`} data-testid="ticket-status" data-status={String(status ?? "draft")}>
      {statusText(status)}
    </span>
  );
}

export function ColourChip({ colour }: { colour: Colour | null }) {
  const key = deskKey("color.", colour ?? "none") ?? "color.none";
  return (
    <span class={`dk-colour dk-colour-${colour ?? "none"}`} data-testid="ticket-colour" data-colour={colour ?? ""}>
      <span class="dk-dot" aria-hidden="true" />
      {dt(key)}
    </span>
  );
}

/** Time left to a deadline, or overdue by, in words; "done" for finished work. */
export function timeLeftText(deadline: unknown, status: unknown, now: number, loc?: Locale): string {
  if (DONE.has(String(status ?? ""))) return dt("time.done", undefined, loc);
  const ms = msLeft(deadline, now);
  if (ms === null) return "";
  return ms >= 0 ? dt("time.left", { t: durationText(ms, loc) }, loc) : dt("time.over", { t: durationText(ms, loc) }, loc);
}

export function TimeLeft({ deadline, status, now }: { deadline: unknown; status: unknown; now: number }) {
  const ms = msLeft(deadline, now);
  const over = ms !== null && ms < 0 && !DONE.has(String(status ?? ""));
  return (
    <span class={over ? "dk-time dk-over" : "dk-time"} data-testid="time-left" data-overdue={over ? "1" : "0"}>
      {timeLeftText(deadline, status, now)}
    </span>
  );
}

/** The countdown to reporting in (部门报到), until the department has acknowledged. */
export function AckCountdown({ ackDue, status, now }: { ackDue: unknown; status: unknown; now: number }) {
  if (status !== "dispatched") return status === "acknowledged" ? <span class="dk-ack dk-ack-done">{dt("ack.done")}</span> : null;
  const ms = msLeft(ackDue, now);
  if (ms === null) return null;
  return (
    <span class={ms < 0 ? "dk-ack dk-over" : "dk-ack"} data-testid="ack-countdown">
      {ms >= 0 ? dt("ack.left", { t: durationText(ms) }) : dt("ack.over", { t: durationText(ms) })}
    </span>
  );
}

/** A full-size photo over the page; Escape or the button closes it. */
export function PhotoViewer({ sha, onClose }: { sha: string; onClose: () => void }) {
  const [url, setUrl] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    let made: string | null = null;
    const { db, api } = runtime();
    void displayPhotoUrl(db, api, sha)
      .catch(() => null)
      .then((u) => {
        made = u;
        if (alive) setUrl(u);
        else if (u) URL.revokeObjectURL(u);
      });
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    addEventListener("keydown", onKey);
    return () => {
      alive = false;
      removeEventListener("keydown", onKey);
      if (made) URL.revokeObjectURL(made);
    };
  }, [sha]);
  return (
    <div class="dk-viewer" role="dialog" aria-modal="true" aria-label={dt("tp.photo_full")} data-testid="photo-viewer" onClick={onClose}>
      {url ? (
        <img src={url} alt={dt("tp.photo_full")} data-testid="photo-full" onClick={(e) => e.stopPropagation()} />
      ) : (
        <p class="dk-viewer-msg">{url === null ? dt("tp.photo_failed") : dt("tp.photo_loading")}</p>
      )}
      <button type="button" class="btn btn-secondary dk-viewer-close" onClick={onClose} data-testid="photo-close">
        {dt("tp.close_viewer")}
      </button>
    </div>
  );
}

/** Thumbnails that open full size on tap. */
export function Photos({ shas, label, testid = "ticket-photo" }: { shas: readonly string[]; label: string; testid?: string }) {
  const [open, setOpen] = useState<string | null>(null);
  if (!shas.length) return null;
  return (
    <div class="thumbs dk-photos">
      {shas.map((sha, i) => (
        <button key={sha} type="button" class="dk-photo-btn" onClick={() => setOpen(sha)} aria-label={`${label} ${i + 1}: ${dt("tp.photo_full")}`} data-testid={testid} data-sha={sha}>
          <PhotoThumb sha={sha} alt={`${label} ${i + 1}`} />
        </button>
      ))}
      {open ? <PhotoViewer sha={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

/** The op of a ticket in words, for buttons and messages. */
export function opText(op: string): string {
  const key = deskKey("op.", op);
  return key ? dt(key) : op;
}

const LEVEL = (level: unknown, loc?: Locale) => {
  const key = deskKey("level.", level);
  return key ? dt(key, undefined, loc) : String(level ?? "");
};
export const levelText = LEVEL;

/** A department's name in the language shown. */
export function deptName(dept: Department, loc: Locale = locale.value): string {
  return loc === "en" && dept.name_en ? dept.name_en : dept.name;
}

/** One entry of a ticket's trail in words ("刘秀英 提交街道"), without its time. */
export function historyText(entry: HistoryEntry, people: readonly Person[], depts: readonly Department[], loc?: Locale): string {
  const who = displayName(people, entry.actor) || dt("h.someone", undefined, loc);
  const d = entry.data ?? {};
  const s = (v: unknown) => (typeof v === "string" ? v : "");
  let key: DeskKey | undefined;
  const params: Record<string, string> = {
    reason: s(d.reason),
    note: s(d.resolution_note ?? d.note ?? d.verification_note),
  };
  if (entry.action === "verify") {
    key = d.fixed === false ? "h.verify_not_fixed" : "h.verify_fixed";
    params.note = s(d.verification_note ?? d.note);
  } else if (entry.action === "dispatch") {
    key = "h.dispatch";
    const dept = depts.find((x) => x.id === d.department);
    params.dept = dept ? deptName(dept, loc) : String(d.department ?? "");
  } else {
    key = deskKey("h.", entry.action);
  }
  let what = key ? dt(key, params, loc) : entry.action;
  if (entry.action === "escalate" && d.level) what += ` → ${LEVEL(d.level, loc)}`;
  // An empty reason or note leaves no dangling colon.
  what = what.replace(/[:：]\s*$/, "").replace(/（）|\(\)/g, "");
  return `${who} ${what}`;
}

/** When an entry happened: the time for today, the date and time before. */
export function whenText(iso: string, now = Date.now()): string {
  const at = new Date(iso);
  return new Date(now).toDateString() === at.toDateString() ? formatTime(iso) : formatDateTime(iso);
}

/** The trail of a ticket in words: "19:42 刘秀英 提交 → 20:05 街道督办员 批准 → …". */
export function Timeline({ history, people, depts }: { history: readonly HistoryEntry[]; people: readonly Person[]; depts: readonly Department[] }) {
  return (
    <ol class="dk-timeline" data-testid="ticket-timeline">
      {history.map((h, i) => (
        <li key={i} data-testid="timeline-entry" data-action={h.action} data-status={h.status ?? ""}>
          <time dateTime={h.at}>{whenText(h.at)}</time> <span>{historyText(h, people, depts)}</span>
          {h.status === "conflict" ? <span class="dk-lost"> {dt("h.lost")}</span> : null}
        </li>
      ))}
    </ol>
  );
}

/** Why an action of this device on a ticket did not take effect: someone acted first, or the server refused it. */
export function TicketOutcomes({ id, history, people, depts }: { id: string; history: readonly HistoryEntry[]; people: readonly Person[]; depts: readonly Department[] }) {
  const { db } = runtime();
  const outcomes = useLiveQuery(() => outcomesFor(db, id), [id]) ?? [];
  const refused = useLiveQuery(() => rejectedItemsOf(db, id), [id]) ?? [];
  if (!outcomes.length && !refused.length) return null;
  return (
    <div data-testid="ticket-outcomes">
      {outcomes.map((o) => {
        // The state move that won: the last one in the trail that took effect.
        const won = [...history].reverse().find((h) => h.status !== "conflict" && h.action !== "update" && h.action !== "create");
        const line = won ? `${whenText(won.at)} ${historyText(won, people, depts)}` : "";
        return (
          <p key={o.mutationId} class="banner banner-warn" role="alert" data-testid="ticket-conflict">
            <span>{line ? dt("out.conflict", { op: opText(o.op), line }) : dt("out.conflict_unknown", { op: opText(o.op) })}</span>
            <button type="button" class="btn btn-secondary" onClick={() => void dismissOutcome(db, o.mutationId)}>
              {dt("out.dismiss")}
            </button>
          </p>
        );
      })}
      {refused.map((item: OutboxItem) => (
        <p key={item.seq} class="banner banner-error" role="alert" data-testid="ticket-refused">
          <span>{dt("out.rejected", { op: opText(item.mutation.op), why: errorText(item.lastError?.code, item.lastError?.message) })}</span>
          <button type="button" class="btn btn-secondary" onClick={() => void discardRejected(db, item.seq!)}>
            {dt("out.discard")}
          </button>
        </p>
      ))}
    </div>
  );
}

/** What the desk screens change: the "waits to be sent" count is of these. */
const DESK_ENTITIES: ReadonlySet<string> = new Set(["ticket", "notification"]);

/** How old the screen's data is, the sync-and-refresh button, what waits to be sent. */
export function RefreshBar({ asOf, busy, refresh, error, testid }: { asOf?: string; busy: boolean; refresh: () => Promise<void>; error: { code: string; message: string } | null; testid: string }) {
  const { db, scheduler } = runtime();
  const online = useOnline();
  const pending = useLiveQuery(() => outboxCountOf(db, DESK_ENTITIES), []) ?? 0;
  return (
    <>
      <div class="dk-bar">
        <span class="sub" data-testid={`${testid}-as-of`} role="status">
          {asOf ? dt("desk.as_of", { time: whenText(asOf) }) : ""}
          {!online ? ` · ${dt("desk.offline_cache")}` : ""}
        </span>
        <span class={pending ? "badge badge-pending" : "sub"} data-testid={`${testid}-pending`} data-count={pending}>
          {pending ? dt("desk.pending", { n: pending }) : dt("desk.pending.none")}
        </span>
        <button type="button" class="btn btn-secondary" disabled={busy || !online} onClick={() => void scheduler.run(true).then(refresh)} data-testid={`${testid}-refresh`}>
          {busy ? dt("desk.refreshing") : dt("desk.refresh")}
        </button>
      </div>
      {error && online ? (
        <p class="banner banner-warn" role="alert" data-testid={`${testid}-error`}>
          {errorText(error.code, error.message)}
        </p>
      ) : null}
    </>
  );
}
