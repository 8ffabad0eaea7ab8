import { useEffect, useState } from "preact/hooks";
import { outboxCount } from "../../db/queries";
import { LOCALES, formatBytes, locale, setLocale, t, type Locale } from "../../i18n";
import { runtime } from "../../runtime";
import type { Session } from "../../sync/api";
import { logout } from "../../sync/session";
import { useLiveQuery, useMeta } from "../hooks";
import { navigate } from "../router";

const LANGUAGE_NAMES: Record<Locale, string> = { "zh-CN": "简体中文", en: "English" };

interface StorageInfo {
  usage?: number;
  quota?: number;
  persisted?: boolean;
}

async function storageInfo(): Promise<StorageInfo> {
  const s = navigator.storage;
  if (!s) return {};
  const [estimate, persisted] = await Promise.all([s.estimate?.() ?? Promise.resolve(undefined), s.persisted?.() ?? Promise.resolve(undefined)]);
  return { usage: estimate?.usage, quota: estimate?.quota, persisted };
}

/** Settings: language, storage on the phone, account and log-out. */
export function Settings() {
  const { db, api, deviceId } = runtime();
  const session = useMeta<Session>("session");
  const pending = useLiveQuery(() => outboxCount(db), []) ?? 0;
  const [storage, setStorage] = useState<StorageInfo>({});
  useEffect(() => {
    void storageInfo().then(setStorage);
  }, []);

  const persist = async () => {
    await navigator.storage?.persist?.();
    setStorage(await storageInfo());
  };

  const onLogout = async () => {
    if (pending > 0 && !confirm(t("settings.logout_pending", { count: pending }))) return;
    await logout(db, api);
    navigate("/login");
  };

  return (
    <main class="screen settings">
      <h1>{t("settings.title")}</h1>
      <section class="card">
        <label class="field">
          <span>{t("settings.language")}</span>
          <select value={locale.value} onChange={(e) => setLocale(e.currentTarget.value as Locale)} data-testid="settings-language">
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>
      </section>
      <section class="card" data-testid="settings-storage">
        <h2>{t("settings.storage")}</h2>
        {storage.usage !== undefined && storage.quota !== undefined ? (
          <>
            <p>{t("settings.storage_usage", { used: formatBytes(storage.usage), quota: formatBytes(storage.quota - storage.usage) })}</p>
            <progress max={storage.quota} value={storage.usage} aria-label={t("settings.storage")} />
          </>
        ) : null}
        <p class="hint">{storage.persisted ? t("settings.storage_persisted") : t("settings.storage_not_persisted")}</p>
        {!storage.persisted ? (
          <button type="button" class="btn btn-secondary" onClick={() => void persist()} data-testid="settings-persist">
            {t("settings.persist")}
          </button>
        ) : null}
      </section>
      <section class="card">
        <h2>{t("settings.account")}</h2>
        <p data-testid="settings-user">
          {session?.user.display_name ?? ""} ({session?.user.username})
        </p>
        <p class="sub">
          {t("settings.device")}: <span class="mono" data-testid="settings-device">{deviceId}</span>
        </p>
        <p class="sub">
          {t("settings.version")}: {__APP_VERSION__}
        </p>
        <button type="button" class="btn btn-danger btn-block" onClick={() => void onLogout()} data-testid="settings-logout">
          {t("settings.logout")}
        </button>
      </section>
    </main>
  );
}
