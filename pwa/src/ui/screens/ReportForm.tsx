import { useState } from "preact/hooks";
import { getRecord } from "../../db/queries";
import { localName, t, type MessageKey } from "../../i18n";
import { runtime } from "../../runtime";
import { createReport, updateReport } from "../../sync/commands";
import { categories, type Me } from "../../sync/reference";
import type { JsonObject } from "../../sync/mutation";
import { categoryIcon } from "../categoryIcon";
import { Location } from "../components/Location";
import { PhotoPicker } from "../components/PhotoPicker";
import { useLiveQuery, useMeta } from "../hooks";
import { navigate } from "../router";
import { useFix } from "../useFix";

type Severity = 1 | 2 | 3;

/** New report, or edit of an existing one (`id`). Saving writes Dexie and the outbox, never the network. */
export function ReportForm({ id }: { id?: string }) {
  const { db } = runtime();
  const existing = useLiveQuery(async () => (id ? ((await getRecord(db, "report", id)) ?? null) : null), [id]);
  if (id && existing === undefined) return <main class="screen">{t("common.loading")}</main>;
  if (id && !existing) return <main class="screen">{t("report.not_found")}</main>;
  return <ReportFormBody key={id ?? "new"} id={id} initial={existing?.data ?? null} />;
}

function ReportFormBody({ id, initial }: { id?: string; initial: JsonObject | null }) {
  const { db, deviceId, scheduler } = runtime();
  const me = useMeta<Me>("me");
  const cats = useLiveQuery(() => categories(db), []) ?? [];
  const gps = useFix();
  const str = (k: string) => (initial?.[k] == null ? "" : String(initial[k]));
  const [category, setCategory] = useState(str("category"));
  const [subcategory, setSubcategory] = useState(str("subcategory"));
  const [description, setDescription] = useState(str("description"));
  const [place, setPlace] = useState(str("place"));
  const [severity, setSeverity] = useState<Severity>((Number(initial?.severity) || 1) as Severity);
  const [photos, setPhotos] = useState<string[]>((initial?.photos as string[]) ?? []);
  const [solved, setSolved] = useState(false);
  const [afterPhotos, setAfterPhotos] = useState<string[]>((initial?.after_photos as string[]) ?? []);
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState<string>();
  const places = me?.beat?.places ?? [];
  const subcats = cats.find((c) => c.code === category)?.subcategories ?? [];
  const onBusy = (b: boolean) => setBusy((n) => n + (b ? 1 : -1));

  const save = async (e: Event) => {
    e.preventDefault();
    if (!category) return setError(t("report.category_needed"));
    if (!id && solved && afterPhotos.length === 0) return setError(t("report.after_needed"));
    setError(undefined);
    if (!id) {
      const newId = await createReport(db, deviceId, {
        grid_id: me?.grid?.id ?? null,
        category,
        subcategory: subcategory || null,
        description,
        lat: gps.fix?.lat ?? null,
        lon: gps.fix?.lon ?? null,
        accuracy_m: gps.fix?.accuracy_m ?? null,
        place: place || null,
        severity,
        photos,
        after_photos: solved ? afterPhotos : [],
        status: solved ? "solved_on_site" : "open",
      });
      scheduler.soon();
      navigate(`/report/${newId}`);
      return;
    }
    const changes: JsonObject = {};
    const scalar = (k: string, v: unknown) => {
      if ((initial?.[k] ?? null) !== v) changes[k] = v;
    };
    scalar("category", category);
    scalar("subcategory", subcategory || null);
    scalar("description", description);
    scalar("place", place || null);
    scalar("severity", severity);
    const before = (initial?.photos as string[]) ?? [];
    const add = photos.filter((p) => !before.includes(p));
    const remove = before.filter((p) => !photos.includes(p));
    if (add.length || remove.length) changes.photos = { add, remove };
    await updateReport(db, deviceId, id, changes);
    scheduler.soon();
    navigate(`/report/${id}`);
  };

  return (
    <main class="screen report-form">
      <h1>{id ? t("report.edit") : t("report.new")}</h1>
      <form class="form" onSubmit={(e) => void save(e)}>
        <fieldset class="field">
          <legend>{t("report.category")}</legend>
          <div class="category-grid" role="radiogroup" aria-label={t("report.category")}>
            {cats.map((c) => (
              <button
                type="button"
                key={c.code}
                role="radio"
                aria-checked={category === c.code}
                class={category === c.code ? "category selected" : "category"}
                onClick={() => {
                  setCategory(c.code);
                  setSubcategory("");
                }}
                data-testid={`report-category-${c.code}`}
              >
                <span class="category-icon" aria-hidden="true">
                  {categoryIcon(c.code, c.icon)}
                </span>
                <span>{localName(c)}</span>
              </button>
            ))}
          </div>
        </fieldset>
        {subcats.length ? (
          <label class="field">
            <span>{t("report.subcategory")}</span>
            <select value={subcategory} onChange={(e) => setSubcategory(e.currentTarget.value)} data-testid="report-subcategory">
              <option value="">—</option>
              {subcats.map((s) => (
                <option key={s.code} value={s.code}>
                  {localName(s)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label class="field">
          <span>{t("report.description")}</span>
          <textarea
            rows={3}
            placeholder={t("report.description_hint")}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
            data-testid="report-description"
          />
        </label>
        <PhotoPicker label={t("report.photos")} value={photos} onChange={setPhotos} onBusy={onBusy} testid="report-photo-input" />
        {!id ? <Location {...gps} /> : null}
        <label class="field">
          <span>{t("report.place")}</span>
          <input list="beat-places" value={place} onInput={(e) => setPlace(e.currentTarget.value)} data-testid="report-place" />
          <datalist id="beat-places">
            {places.map((p) => (
              <option key={p.id} value={p.name} />
            ))}
          </datalist>
        </label>
        <fieldset class="field">
          <legend>{t("report.severity")}</legend>
          <div class="segmented" role="radiogroup" aria-label={t("report.severity")}>
            {([1, 2, 3] as Severity[]).map((s) => (
              <button
                type="button"
                key={s}
                role="radio"
                aria-checked={severity === s}
                class={severity === s ? "seg selected" : "seg"}
                onClick={() => setSeverity(s)}
                data-testid={`report-severity-${s}`}
              >
                {t(`report.severity.${s}` as MessageKey)}
              </button>
            ))}
          </div>
        </fieldset>
        {!id ? (
          <>
            <label class="field check">
              <input type="checkbox" checked={solved} onChange={(e) => setSolved(e.currentTarget.checked)} data-testid="report-solved" />
              <span>{t("report.solved_on_site")}</span>
            </label>
            {solved ? (
              <PhotoPicker label={t("report.after_photos")} value={afterPhotos} onChange={setAfterPhotos} onBusy={onBusy} testid="report-after-photo-input" />
            ) : null}
          </>
        ) : null}
        {error ? (
          <p class="error" role="alert" data-testid="report-error">
            {error}
          </p>
        ) : null}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy > 0} data-testid="report-save">
          {busy > 0 ? t("report.processing") : t("report.save")}
        </button>
      </form>
    </main>
  );
}
