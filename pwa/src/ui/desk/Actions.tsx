/**
 * What the signed-in user may do to one ticket now: only ops the server's role
 * table gives their role and the state machine allows from the ticket's state
 * (`offered`), each a mutation through the outbox.
 */

import { useState } from "preact/hooks";
import { localName, t, type MessageKey } from "../../i18n";
import { runtime } from "../../runtime";
import type { JsonObject } from "../../sync/mutation";
import type { Category, Department } from "../../sync/reference";
import {
  NEEDS_REASON,
  dispatchTickets,
  editTicket,
  offered,
  resolveTicket,
  returnTicket,
  sendBack,
  ticketOp,
  verifyTicket,
  type TicketOp,
} from "../../sync/ticketCommands";
import { PhotoPicker } from "../components/PhotoPicker";
import { suggestDepartment } from "./model";
import { AckCountdown, deptName, opText } from "./parts";
import { dt, type DeskKey } from "./words";

interface Props {
  id: string;
  data: JsonObject;
  role: string;
  depts: readonly Department[];
  cats: readonly Category[];
  now: number;
}

const HINT: Partial<Record<TicketOp, DeskKey>> = { return: "form.return_hint", send_back: "form.send_back_hint", reopen: "form.reopen_hint" };

/** A department picker with the one whose categories cover the ticket's preselected and marked. */
export function DepartmentSelect({ depts, category, value, onChange, testid }: { depts: readonly Department[]; category: unknown; value: number | null; onChange: (id: number) => void; testid: string }) {
  const suggested = suggestDepartment(depts, category);
  return (
    <select value={value ?? ""} onChange={(e) => onChange(Number(e.currentTarget.value))} data-testid={testid} aria-label={dt("form.department")}>
      {value == null ? <option value="">{dt("form.pick_department")}</option> : null}
      {depts.map((d) => (
        <option key={d.id} value={d.id} data-suggested={d.id === suggested?.id ? "1" : "0"}>
          {deptName(d)}
          {d.id === suggested?.id ? dt("form.suggested") : ""}
        </option>
      ))}
    </select>
  );
}

/** A reason the op needs, asked for before it is sent. */
function ReasonForm({ op, onSend, onCancel }: { op: TicketOp; onSend: (reason: string) => Promise<void>; onCancel: () => void }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState(false);
  return (
    <form
      class="dk-form"
      data-testid={`form-${op}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!reason.trim()) return setError(true);
        void onSend(reason);
      }}
    >
      <label class="field">
        <span>{dt("form.reason")}</span>
        <textarea rows={3} value={reason} placeholder={HINT[op] ? dt(HINT[op]!) : ""} onInput={(e) => setReason(e.currentTarget.value)} data-testid={`reason-${op}`} />
      </label>
      {error ? <p class="error" role="alert">{dt("form.reason_required")}</p> : null}
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid={`confirm-${op}`}>
          {opText(op)}
        </button>
        <button type="button" class="btn btn-secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

/** The department's fix: a note and photos after it, through the same photo pipeline as the phones. */
function ResolveForm({ onSend, onCancel }: { onSend: (note: string, photos: string[]) => Promise<void>; onCancel: () => void }) {
  const [note, setNote] = useState("");
  const [photos, setPhotos] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(false);
  return (
    <form
      class="dk-form"
      data-testid="form-resolve"
      onSubmit={(e) => {
        e.preventDefault();
        if (!note.trim() && !photos.length) return setError(true);
        void onSend(note, photos);
      }}
    >
      <label class="field">
        <span>{dt("form.note")}</span>
        <textarea rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="resolve-note" />
      </label>
      <PhotoPicker label={dt("form.after_photos")} value={photos} onChange={setPhotos} onBusy={setBusy} testid="resolve-photo-input" />
      {error ? <p class="error" role="alert">{dt("form.resolve_needs")}</p> : null}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="confirm-resolve">
          {opText("resolve")}
        </button>
        <button type="button" class="btn btn-secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

/** Checking the fix on site: a photo now, a note, fixed or not. */
function VerifyForm({ onSend }: { onSend: (fixed: boolean, note: string, photos: string[]) => Promise<void> }) {
  const [note, setNote] = useState("");
  const [photos, setPhotos] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(false);
  const send = (fixed: boolean) => {
    if (!photos.length) return setError(true);
    void onSend(fixed, note, photos);
  };
  return (
    <div class="dk-form" data-testid="form-verify">
      <PhotoPicker label={dt("form.verify_photos")} value={photos} onChange={setPhotos} onBusy={setBusy} testid="verify-photo-input" />
      <label class="field">
        <span>{dt("form.verify_note")}</span>
        <textarea rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="verify-note" />
      </label>
      {error ? <p class="error" role="alert">{dt("form.verify_needs")}</p> : null}
      <div class="actions">
        <button type="button" class="btn btn-primary" disabled={busy} onClick={() => send(true)} data-testid="verify-fixed">
          {dt("op.verify_fixed")}
        </button>
        <button type="button" class="btn btn-danger" disabled={busy} onClick={() => send(false)} data-testid="verify-not-fixed">
          {dt("op.verify_not_fixed")}
        </button>
      </div>
    </div>
  );
}

/** The lead corrects a returned ticket (title, place, severity, category) and sends it again. */
function EditForm({ data, cats, onSend }: { data: JsonObject; cats: readonly Category[]; onSend: (changes: JsonObject) => Promise<void> }) {
  const [title, setTitle] = useState(String(data.title ?? ""));
  const [place, setPlace] = useState(String(data.place ?? ""));
  const [severity, setSeverity] = useState(Number(data.severity ?? 2));
  const [category, setCategory] = useState(String(data.category ?? ""));
  return (
    <form
      class="dk-form"
      data-testid="form-edit"
      onSubmit={(e) => {
        e.preventDefault();
        const changes: JsonObject = {};
        if (title.trim() && title.trim() !== data.title) changes.title = title.trim();
        if (place.trim() !== String(data.place ?? "")) changes.place = place.trim();
        if (severity !== Number(data.severity)) changes.severity = severity;
        if (category && category !== data.category) changes.category = category;
        void onSend(changes);
      }}
    >
      <label class="field">
        <span>{dt("f.title")}</span>
        <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} data-testid="edit-title" />
      </label>
      <label class="field">
        <span>{dt("f.place")}</span>
        <input value={place} onInput={(e) => setPlace(e.currentTarget.value)} data-testid="edit-place" />
      </label>
      <div class="dk-form-row">
        <label class="field">
          <span>{dt("f.category")}</span>
          <select value={category} onChange={(e) => setCategory(e.currentTarget.value)} data-testid="edit-category">
            {cats.map((c) => (
              <option key={c.code} value={c.code}>
                {localName(c)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{dt("f.severity")}</span>
          <select value={severity} onChange={(e) => setSeverity(Number(e.currentTarget.value))} data-testid="edit-severity">
            {[1, 2, 3].map((n) => (
              <option key={n} value={n}>
                {t(`report.severity.${n}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <button type="submit" class="btn btn-primary" data-testid="confirm-resubmit">
        {dt("op.submit")}
      </button>
    </form>
  );
}

/** The actions card of a ticket page. */
export function Actions({ id, data, role, depts, cats, now }: Props) {
  const { db, deviceId, scheduler } = runtime();
  const [open, setOpen] = useState<TicketOp | "edit" | null>(null);
  const suggested = suggestDepartment(depts, data.category);
  const [picked, setDepartment] = useState<number | null>(null);
  // The suggestion until the user picks another (the list may arrive after the first render).
  const department = picked ?? suggested?.id ?? null;
  const can = (op: TicketOp) => offered(role, op, data);
  const status = String(data.status ?? "draft");
  const done = async (work: Promise<void>) => {
    await work;
    setOpen(null);
    scheduler.soon();
  };
  const simple = (op: TicketOp) => (
    <button key={op} type="button" class={op === "approve" || op === "acknowledge" || op === "close" ? "btn btn-primary" : "btn btn-secondary"} onClick={() => void done(ticketOp(db, deviceId, id, op))} data-testid={`action-${op}`}>
      {opText(op)}
    </button>
  );
  const opener = (op: TicketOp, cls = "btn btn-secondary") => (
    <button key={op} type="button" class={cls} aria-expanded={open === op} onClick={() => setOpen(open === op ? null : op)} data-testid={`action-${op}`}>
      {opText(op)}
    </button>
  );
  const canDispatch = can("dispatch") || (status === "submitted" && can("approve") && mayDispatchAfterApprove(role));
  const buttons = [
    can("acknowledge") ? simple("acknowledge") : null,
    can("approve") ? simple("approve") : null,
    can("resolve") ? opener("resolve", "btn btn-primary") : null,
    can("close") ? simple("close") : null,
    can("return") ? opener("return") : null,
    can("send_back") ? opener("send_back") : null,
    can("escalate") ? simple("escalate") : null,
    can("reopen") ? opener("reopen", "btn btn-danger") : null,
  ].filter(Boolean);
  const resubmit = can("submit") && status === "returned";
  const verify = can("verify");
  if (!buttons.length && !canDispatch && !resubmit && !verify) {
    return (
      <section class="card dk-actions" data-testid="ticket-actions" data-none="1">
        <h2>{dt("tp.actions")}</h2>
        <p class="hint">{dt("tp.no_actions")}</p>
      </section>
    );
  }
  return (
    <section class="card dk-actions" data-testid="ticket-actions">
      <h2>{dt("tp.actions")}</h2>
      <AckCountdown ackDue={data.ack_due_at} status={status} now={now} />
      {canDispatch ? (
        <div class="dk-dispatch">
          <DepartmentSelect depts={depts} category={data.category} value={department} onChange={setDepartment} testid="dispatch-department" />
          <button
            type="button"
            class="btn btn-primary"
            disabled={department == null}
            onClick={() => void done(dispatchTickets(db, deviceId, [{ id, department: department!, approveFirst: status === "submitted" }]))}
            data-testid="action-dispatch"
          >
            {status === "submitted" ? dt("op.approve_dispatch") : opText("dispatch")}
          </button>
        </div>
      ) : null}
      {buttons.length ? <div class="actions">{buttons}</div> : null}
      {open && open !== "edit" && NEEDS_REASON.has(open) ? (
        <ReasonForm
          op={open}
          onCancel={() => setOpen(null)}
          onSend={(reason) =>
            done(open === "return" ? returnTicket(db, deviceId, id, reason) : open === "send_back" ? sendBack(db, deviceId, id, reason) : ticketOp(db, deviceId, id, open, { reason: reason.trim() }))
          }
        />
      ) : null}
      {open === "resolve" ? <ResolveForm onCancel={() => setOpen(null)} onSend={(note, photos) => done(resolveTicket(db, deviceId, id, note, photos))} /> : null}
      {resubmit ? (
        <>
          <h3>{dt("tp.edit")}</h3>
          <EditForm
            data={data}
            cats={cats}
            onSend={async (changes) => {
              await editTicket(db, deviceId, id, changes);
              await done(ticketOp(db, deviceId, id, "submit"));
            }}
          />
        </>
      ) : null}
      {verify ? (
        <>
          <h3>{dt("op.verify")}</h3>
          <VerifyForm onSend={(fixed, note, photos) => done(verifyTicket(db, deviceId, id, fixed, note, photos))} />
        </>
      ) : null}
    </section>
  );
}

/** Whether "approve and dispatch" is one step for this role (it may do both ops). */
function mayDispatchAfterApprove(role: string): boolean {
  return offered(role, "dispatch", { status: "approved" });
}
