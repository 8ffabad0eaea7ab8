import { useState } from "preact/hooks";
import { listRecords, startOfTodayIso } from "../../db/queries";
import { nearest } from "../../geo/position";
import { formatTime, t, type MessageKey } from "../../i18n";
import { runtime } from "../../runtime";
import { createCheckin } from "../../sync/commands";
import type { Me } from "../../sync/reference";
import { Location } from "../components/Location";
import { PhotoPicker } from "../components/PhotoPicker";
import { SyncBadge } from "../components/StatusBadge";
import { useLiveQuery, useMeta } from "../hooks";
import { useFix } from "../useFix";

/** Check in: GPS with accuracy, the nearest checkpoint suggested, an optional photo. */
export function Checkin() {
  const { db, deviceId, scheduler } = runtime();
  const me = useMeta<Me>("me");
  const gps = useFix();
  const checkpoints = me?.beat?.checkpoints ?? [];
  const suggestion = gps.fix ? nearest(gps.fix, checkpoints) : undefined;
  // The <select> speaks strings; the server wants the checkpoint's own id (an integer).
  const [chosen, setChosen] = useState<string | null>(null);
  const selected = chosen === null ? suggestion?.point : checkpoints.find((cp) => String(cp.id) === chosen);
  const checkpointValue = selected ? String(selected.id) : "";
  const [note, setNote] = useState("");
  const [photos, setPhotos] = useState<string[]>([]);
  const [busyPhotos, setBusyPhotos] = useState(false);
  const [saved, setSaved] = useState(false);
  const since = startOfTodayIso();
  const today = useLiveQuery(() => listRecords(db, "checkin", since), [since]) ?? [];

  const submit = async (e: Event) => {
    e.preventDefault();
    await createCheckin(db, deviceId, {
      grid_id: me?.grid?.id ?? null,
      lat: gps.fix?.lat ?? null,
      lon: gps.fix?.lon ?? null,
      accuracy_m: gps.fix?.accuracy_m ?? null,
      checkpoint_id: selected?.id ?? null,
      note,
      photos,
    });
    scheduler.soon();
    setSaved(true);
    setNote("");
    setPhotos([]);
    setChosen(null);
  };

  return (
    <main class="screen checkin">
      <h1>{t("checkin.title")}</h1>
      <form class="form" onSubmit={(e) => void submit(e)}>
        <Location {...gps} />
        {suggestion ? (
          <p class="hint" data-testid="checkin-nearest">
            {t("checkin.nearest")}: {suggestion.point.name} · {t("checkin.distance", { m: Math.round(suggestion.distance) })}
          </p>
        ) : null}
        {checkpoints.length ? (
          <label class="field">
            <span>{t("checkin.checkpoint")}</span>
            <select value={checkpointValue} onChange={(e) => setChosen(e.currentTarget.value)} data-testid="checkin-checkpoint">
              <option value="">{t("checkin.no_checkpoint")}</option>
              {checkpoints.map((cp) => (
                <option key={cp.id} value={String(cp.id)}>
                  {cp.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label class="field">
          <span>
            {t("checkin.note")} <small>({t("common.optional")})</small>
          </span>
          <input value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="checkin-note" />
        </label>
        <PhotoPicker label={t("checkin.photo")} value={photos} onChange={setPhotos} onBusy={setBusyPhotos} testid="checkin-photo-input" multiple={false} />
        <button type="submit" class="btn btn-primary btn-block" disabled={busyPhotos} data-testid="checkin-submit">
          {t("checkin.submit")}
        </button>
        {saved ? (
          <p class="banner banner-info" role="status" data-testid="checkin-saved">
            {t("checkin.done")} · {t("common.saved")}
          </p>
        ) : null}
      </form>
      <section class="card">
        <h2>{t("today.checkins")}</h2>
        <ul class="list">
          {today.map((c) => (
            <li key={c.entity_id} class="row">
              <span>{formatTime(String(c.data.at ?? ""))}</span>
              <span class="grow">
                {checkpoints.find((cp) => cp.id === c.data.checkpoint_id)?.name ?? ""}
                {((c.data.flags as string[] | undefined) ?? []).map((f) => (
                  <span key={f} class="badge badge-warn">
                    {t(`checkin.flag.${f}` as MessageKey) || f}
                  </span>
                ))}
              </span>
              <SyncBadge rec={c} />
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
