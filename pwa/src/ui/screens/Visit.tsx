import { useState } from "preact/hooks";
import { getRecord } from "../../db/queries";
import { formatDateTime, t } from "../../i18n";
import { runtime } from "../../runtime";
import { createVisit } from "../../sync/commands";
import type { Me } from "../../sync/reference";
import { PhotoPicker } from "../components/PhotoPicker";
import { PhotoThumb } from "../components/PhotoThumb";
import { SyncBadge } from "../components/StatusBadge";
import { useLiveQuery, useMeta } from "../hooks";
import { navigate } from "../router";

/** Record a household or shop visit (入户走访). */
export function VisitForm() {
  const { db, deviceId, scheduler } = runtime();
  const me = useMeta<Me>("me");
  const places = me?.beat?.places ?? [];
  const [kind, setKind] = useState<"household" | "shop">("household");
  const [place, setPlace] = useState("");
  const [peopleMet, setPeopleMet] = useState("1");
  const [contactName, setContactName] = useState("");
  const [contactPhone, setContactPhone] = useState("");
  const [needs, setNeeds] = useState("");
  const [notes, setNotes] = useState("");
  const [followUp, setFollowUp] = useState(false);
  const [photos, setPhotos] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const save = async (e: Event) => {
    e.preventDefault();
    const id = await createVisit(db, deviceId, {
      grid_id: me?.grid?.id ?? null,
      place_kind: kind,
      place,
      people_met: peopleMet === "" ? null : Number(peopleMet),
      contact_name: contactName,
      contact_phone: contactPhone,
      needs,
      notes,
      follow_up: followUp,
      photos,
    });
    scheduler.soon();
    navigate(`/visit/${id}`);
  };

  // Beat places are buildings, units or shops: households live in the non-shop ones.
  const kindPlaces = places.filter((p) => (kind === "shop" ? p.kind === "shop" : p.kind !== "shop"));
  return (
    <main class="screen visit">
      <h1>{t("visit.title")}</h1>
      <form class="form" onSubmit={(e) => void save(e)}>
        <fieldset class="field">
          <legend>{t("visit.place_kind")}</legend>
          <div class="segmented" role="radiogroup" aria-label={t("visit.place_kind")}>
            {(["household", "shop"] as const).map((k) => (
              <button
                key={k}
                type="button"
                role="radio"
                aria-checked={kind === k}
                class={kind === k ? "seg selected" : "seg"}
                onClick={() => setKind(k)}
                data-testid={`visit-kind-${k}`}
              >
                {t(`visit.kind.${k}`)}
              </button>
            ))}
          </div>
        </fieldset>
        <label class="field">
          <span>{t("visit.place")}</span>
          <input list="visit-places" required value={place} onInput={(e) => setPlace(e.currentTarget.value)} data-testid="visit-place" />
          <datalist id="visit-places">
            {kindPlaces.map((p) => (
              <option key={p.id} value={p.name} />
            ))}
          </datalist>
        </label>
        <label class="field">
          <span>{t("visit.people_met")}</span>
          <input type="number" inputMode="numeric" min="0" value={peopleMet} onInput={(e) => setPeopleMet(e.currentTarget.value)} data-testid="visit-people-met" />
        </label>
        <label class="field">
          <span>{t("visit.contact_name")}</span>
          <input value={contactName} onInput={(e) => setContactName(e.currentTarget.value)} data-testid="visit-contact-name" />
        </label>
        <label class="field">
          <span>{t("visit.contact_phone")}</span>
          <input type="tel" inputMode="tel" pattern={"\\+?[0-9 \\-]{5,20}"} value={contactPhone} onInput={(e) => setContactPhone(e.currentTarget.value)} data-testid="visit-contact-phone" />
        </label>
        <label class="field">
          <span>{t("visit.needs")}</span>
          <textarea rows={2} value={needs} onInput={(e) => setNeeds(e.currentTarget.value)} data-testid="visit-needs" />
        </label>
        <label class="field">
          <span>{t("visit.notes")}</span>
          <textarea rows={3} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} data-testid="visit-notes" />
        </label>
        <label class="field check">
          <input type="checkbox" checked={followUp} onChange={(e) => setFollowUp(e.currentTarget.checked)} data-testid="visit-follow-up" />
          <span>{t("visit.follow_up")}</span>
        </label>
        <PhotoPicker label={t("visit.photos")} value={photos} onChange={setPhotos} onBusy={setBusy} testid="visit-photo-input" />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="visit-save">
          {t("visit.save")}
        </button>
      </form>
    </main>
  );
}

/** One recorded visit. */
export function VisitDetail({ id }: { id: string }) {
  const rec = useLiveQuery(() => getRecord(runtime().db, "visit", id), [id]);
  if (rec === undefined) return <main class="screen">{t("common.loading")}</main>;
  if (!rec || rec.deleted) return <main class="screen">{t("report.not_found")}</main>;
  const d = rec.data;
  const kind = d.place_kind === "shop" ? "shop" : "household";
  return (
    <main class="screen visit-detail" data-testid="visit-detail">
      <header class="screen-head">
        <h1>{t("visit.title")}</h1>
        <p class="sub">
          {formatDateTime(String(d.visited_at ?? ""))} <SyncBadge rec={rec} />
        </p>
      </header>
      <dl class="card facts">
        <dt>{t("visit.place_kind")}</dt>
        <dd>{t(`visit.kind.${kind}`)}</dd>
        <dt>{t("visit.place")}</dt>
        <dd>{String(d.place ?? "")}</dd>
        <dt>{t("visit.people_met")}</dt>
        <dd>{String(d.people_met ?? "")}</dd>
        <dt>{t("visit.contact_name")}</dt>
        <dd>{String(d.contact_name ?? "")}</dd>
        <dt>{t("visit.contact_phone")}</dt>
        <dd>{String(d.contact_phone ?? "")}</dd>
        <dt>{t("visit.needs")}</dt>
        <dd>{String(d.needs ?? "")}</dd>
        <dt>{t("visit.notes")}</dt>
        <dd>{String(d.notes ?? "")}</dd>
        <dt>{t("visit.follow_up")}</dt>
        <dd>{d.follow_up ? t("common.yes") : t("common.no")}</dd>
      </dl>
      <div class="thumbs">
        {((d.photos as string[]) ?? []).map((sha, i) => (
          <PhotoThumb key={sha} sha={sha} alt={`${t("visit.photos")} ${i + 1}`} />
        ))}
      </div>
    </main>
  );
}
