import { useState } from "preact/hooks";
import { errorText, t } from "../../i18n";
import { runtime, adoptDeviceId } from "../../runtime";
import { ApiError, type Session } from "../../sync/api";
import { LAST_USER, OtherUserDataError, login } from "../../sync/session";
import { refreshCatalogue, refreshMe } from "../../sync/reference";
import type { SessionUser } from "../../sync/api";
import { useMeta, useOnline } from "../hooks";
import { capabilities, homeRoute } from "../roles";
import { navigate } from "../router";

/** Log in (first start, after log-out, or again after the server refused our tokens). */
export function Login() {
  const lastUser = useMeta<SessionUser>(LAST_USER);
  const session = useMeta<Session>("session");
  const relogin = Boolean(session?.needsRelogin);
  const online = useOnline();
  const [typed, setUsername] = useState<string | null>(null);
  const username = typed ?? (relogin ? session?.user.username : lastUser?.username) ?? "";
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [otherUser, setOtherUser] = useState<OtherUserDataError>();

  const submit = async (discardOtherUser = false) => {
    const { db, api, deviceId, scheduler } = runtime();
    const name = username.trim();
    setBusy(true);
    setError(undefined);
    const from = location.hash;
    try {
      const started = await login(db, api, deviceId, name, password, {
        discardOtherUser,
        onNewDeviceId: adoptDeviceId,
      });
      setOtherUser(undefined);
      setPassword("");
      // The app opens as soon as the session is stored, before login() returns:
      // a screen opened in between stays open.
      if (location.hash === from) navigate(`/${homeRoute(capabilities(started.user.role))}`);
      // Reference data and the outbox flush run in the background.
      void Promise.allSettled([refreshMe(db, api), refreshCatalogue(db, api)]).then(() => scheduler.run(true));
    } catch (e) {
      if (e instanceof OtherUserDataError) setOtherUser(e);
      else if (e instanceof ApiError) setError(e.code === "network" ? t("login.offline") : errorText(e.code, e.message));
      else setError(String((e as Error)?.message ?? e));
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (e: Event) => {
    e.preventDefault();
    void submit();
  };

  return (
    <main class="screen login">
      <div class="login-brand" aria-hidden="true">
        <img src="/icons/icon-192.png" alt="" width="72" height="72" />
      </div>
      <h1>{t("login.title")}</h1>
      {!online ? <p class="hint">{t("login.offline")}</p> : null}
      <form onSubmit={onSubmit} class="form">
        <label class="field">
          <span>{t("login.username")}</span>
          <input
            name="username"
            autocomplete="username"
            autocapitalize="off"
            required={!relogin}
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            data-testid="login-username"
          />
        </label>
        <label class="field">
          <span>{t("login.password")}</span>
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            data-testid="login-password"
          />
        </label>
        {error ? (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
        {otherUser ? (
          <div class="banner banner-warn" role="alert" data-testid="login-other-user">
            <p>{t("login.other_user", { user: otherUser.previous, count: otherUser.pending })}</p>
            <button
              type="button"
              class="btn btn-danger"
              onClick={() => {
                if (confirm(t("login.confirm_discard", { user: otherUser.previous }))) void submit(true);
              }}
            >
              {t("login.discard_and_login")}
            </button>
          </div>
        ) : null}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="login-submit">
          {busy ? t("login.busy") : t("login.submit")}
        </button>
      </form>
    </main>
  );
}
