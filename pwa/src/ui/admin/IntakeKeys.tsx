/**
 * The admin's intake keys (接入密钥): the keys outside systems such as the
 * 12345 hotline use to hand cases in through Open311. Lists every key by its
 * first characters (the server never answers a key twice), issues a key —
 * shown once, with a copy button and a warning that it cannot be seen again —
 * and revokes one after a confirmation.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import { runtime } from "../../runtime";
import type { Directory } from "../../sync/admin";
import { issueIntakeKey, listIntakeKeys, revokeIntakeKey, type IntakeKey, type IssuedKey } from "../../sync/intakeKeys";
import { whenText } from "../desk/parts";
import { dt } from "../desk/words";
import { problem } from "./problem";

// The server's rule for an account code (server/schemas/open311.py KeyCreateSchema).
const ACCOUNT_CODE = "[a-z0-9][a-z0-9\\-]{1,23}";

/** The key just issued, in full, this once; copied with one tap. */
function IssuedOnce({ issued, onClose }: { issued: IssuedKey; onClose: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"" | "done" | "failed">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(issued.key);
      setCopied("done");
    } catch {
      field.current?.select();
      setCopied("failed");
    }
  };
  return (
    <div class="banner banner-warn dk-issued" role="alert" data-testid="issued-key">
      <p>
        <strong>{dt("a.key.issued", { account: issued.account_name || issued.account })}</strong>
      </p>
      <p data-testid="issued-key-warning">{dt("a.key.once")}</p>
      <div class="dk-inline-form">
        <input ref={field} class="mono dk-key" readOnly value={issued.key} onFocus={(e) => e.currentTarget.select()} aria-label={dt("a.key.value")} data-testid="issued-key-value" />
        <button type="button" class="btn btn-primary" onClick={() => void copy()} data-testid="issued-key-copy">
          {copied === "done" ? dt("a.key.copied") : dt("a.key.copy")}
        </button>
        <button type="button" class="btn btn-secondary" onClick={onClose} data-testid="issued-key-close">
          {dt("a.key.saved")}
        </button>
      </div>
      {copied === "failed" ? <p class="sub">{dt("a.key.copy_failed")}</p> : null}
    </div>
  );
}

function NewKey({ onIssued, onMessage }: { onIssued: (key: IssuedKey) => void; onMessage: (text: string) => void }) {
  const { api } = runtime();
  const [form, setForm] = useState({ account: "", account_name: "", name: "" });
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const name = form.account_name.trim();
      onIssued(await issueIntakeKey(api, { account: form.account.trim(), ...(name ? { account_name: name } : {}), name: form.name.trim() }));
      setForm({ account: "", account_name: "", name: "" });
    } catch (err) {
      onMessage(dt("a.error", { why: problem(err) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card dk-form" onSubmit={(e) => void submit(e)} data-testid="new-key">
      <h2>{dt("a.key.new")}</h2>
      <div class="dk-form-grid">
        <label class="field">
          <span>{dt("a.key.account")}</span>
          <input required pattern={ACCOUNT_CODE} maxLength={24} placeholder="hotline-12345" title={dt("a.key.account_hint")} value={form.account} onInput={(e) => set({ account: e.currentTarget.value })} data-testid="new-key-account" />
          <small class="sub">{dt("a.key.account_hint")}</small>
        </label>
        <label class="field">
          <span>{dt("a.key.account_name")}</span>
          <input maxLength={120} placeholder={dt("a.key.account_name_hint")} value={form.account_name} onInput={(e) => set({ account_name: e.currentTarget.value })} data-testid="new-key-account-name" />
        </label>
        <label class="field">
          <span>{dt("a.key.name")}</span>
          <input maxLength={120} placeholder={dt("a.key.name_hint")} value={form.name} onInput={(e) => set({ name: e.currentTarget.value })} data-testid="new-key-name" />
        </label>
      </div>
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="new-key-issue">
        {dt("a.key.issue")}
      </button>
    </form>
  );
}

/** The intake keys section of the admin screen. */
export function IntakeKeys({ dir, onMessage }: { dir: Directory; onMessage: (text: string) => void }) {
  const { api } = runtime();
  const [keys, setKeys] = useState<IntakeKey[] | null>(null);
  const [issued, setIssued] = useState<IssuedKey | null>(null);
  const load = () => void listIntakeKeys(api).then(setKeys, (e) => onMessage(dt("a.error", { why: problem(e) })));
  useEffect(load, []);
  const who = (username: string) => dir.users.find((u) => u.username === username)?.display_name || username;
  const revoke = async (key: IntakeKey) => {
    const named = { account: key.account_name || key.account, prefix: key.prefix };
    if (!confirm(dt("a.key.revoke_confirm", named))) return;
    try {
      await revokeIntakeKey(api, key.id);
      onMessage(dt("a.key.revoked_done", named));
      load();
    } catch (e) {
      onMessage(dt("a.error", { why: problem(e) }));
    }
  };
  return (
    <>
      <p class="sub">{dt("a.key.lead")}</p>
      {issued ? <IssuedOnce issued={issued} onClose={() => setIssued(null)} /> : null}
      <NewKey
        onIssued={(key) => {
          setIssued(key);
          load();
        }}
        onMessage={onMessage}
      />
      <section class="card">
        <h2>{dt("a.key.list")}</h2>
        {keys && !keys.length ? <p class="hint">{dt("a.key.none")}</p> : null}
        {keys === null ? <p class="hint">{dt("desk.refreshing")}</p> : null}
        <table class="dk-table" data-testid="intake-keys">
          <thead>
            <tr>
              <th>{dt("a.key.account_name")}</th>
              <th>{dt("a.key.name")}</th>
              <th>{dt("a.key.prefix")}</th>
              <th>{dt("a.key.issued_by")}</th>
              <th>{dt("a.key.last_used")}</th>
              <th>{dt("a.status")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(keys ?? []).map((k) => (
              <tr key={k.id} data-testid="intake-key" data-key-id={k.id} data-account={k.account} data-revoked={k.revoked_at ? "1" : "0"}>
                <td>
                  <strong>{k.account_name || k.account}</strong>
                  <div class="sub mono">{k.account}</div>
                </td>
                <td>{k.name || dt("a.none")}</td>
                <td class="mono" data-testid="intake-key-prefix">
                  {k.prefix}…
                </td>
                <td>{dt("a.key.issued_by_at", { name: who(k.created_by), time: whenText(k.created_at) })}</td>
                <td>{k.last_used_at ? whenText(k.last_used_at) : dt("a.key.never")}</td>
                <td>
                  {k.revoked_at ? <span class="badge badge-error">{dt("a.key.revoked", { time: whenText(k.revoked_at) })}</span> : <span class="badge badge-ok">{dt("a.active")}</span>}
                </td>
                <td>
                  {!k.revoked_at ? (
                    <button type="button" class="btn btn-danger" onClick={() => void revoke(k)} data-testid="intake-key-revoke">
                      {dt("a.key.revoke")}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
