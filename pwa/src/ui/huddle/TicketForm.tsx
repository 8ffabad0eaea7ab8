import { useState } from "preact/hooks";
import { locale, localName, t, type MessageKey } from "../../i18n";
import { createTicket } from "../../sync/huddleCommands";
import { useBoard } from "./context";
import { ticketPrefill, type BoardReport } from "./model";
import { Thumb } from "./Thumb";

/**
 * Merge reports into a handoff ticket (问题交接单): title, category, severity,
 * place and photos pre-filled from the reports, all editable before it is made.
 */
export function TicketForm({ reports, onDone }: { reports: BoardReport[]; onDone: () => void }) {
  const { db, node, gridId, catName, categories, acted } = useBoard();
  // A title in the lead's language where a reporter wrote in it (Chinese characters or not).
  const han = /[\u4e00-\u9fff]/;
  const initial = ticketPrefill(reports, catName, 9, (text) => han.test(text) === (locale.value === "zh-CN"));
  const [title, setTitle] = useState(initial.title);
  const [category, setCategory] = useState(initial.category);
  const [severity, setSeverity] = useState(initial.severity);
  const [place, setPlace] = useState(initial.place);
  const [photos, setPhotos] = useState<string[]>(initial.photos);
  const [busy, setBusy] = useState(false);
  const available = [...new Set(reports.flatMap((r) => r.photos))];

  const toggle = (sha: string) => setPhotos((p) => (p.includes(sha) ? p.filter((x) => x !== sha) : [...p, sha]));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim() || !category) return;
    setBusy(true);
    try {
      await createTicket(db, node, {
        grid_id: gridId,
        title: title.trim(),
        category,
        severity,
        place: place.trim() || null,
        photos,
        report_ids: reports.map((r) => r.id),
      });
      acted();
      onDone();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="hb-ticket-form form" onSubmit={(e) => void submit(e)} data-testid="ticket-form">
      <h3>{t("huddle.ticket.new", { n: reports.length })}</h3>
      <label class="field">
        <span>{t("huddle.ticket.title")}</span>
        <input value={title} maxLength={200} required onInput={(e) => setTitle(e.currentTarget.value)} data-testid="ticket-title" />
      </label>
      <div class="hb-form-row">
        <label class="field">
          <span>{t("report.category")}</span>
          <select value={category} onChange={(e) => setCategory(e.currentTarget.value)} data-testid="ticket-category">
            {categories.map((c) => (
              <option key={c.code} value={c.code}>
                {localName(c)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t("report.place")}</span>
          <input value={place} maxLength={120} onInput={(e) => setPlace(e.currentTarget.value)} data-testid="ticket-place" />
        </label>
      </div>
      <fieldset class="field">
        <legend>{t("report.severity")}</legend>
        <div class="segmented">
          {([1, 2, 3] as const).map((s) => (
            <button
              key={s}
              type="button"
              class={severity === s ? "seg selected" : "seg"}
              aria-pressed={severity === s}
              onClick={() => setSeverity(s)}
              data-testid={`ticket-severity-${s}`}
            >
              {t(`report.severity.${s}` as MessageKey)}
            </button>
          ))}
        </div>
      </fieldset>
      {available.length ? (
        <fieldset class="field">
          <legend>{t("huddle.ticket.photos", { n: photos.length })}</legend>
          <div class="hb-photo-pick">
            {available.map((sha) => (
              <button
                key={sha}
                type="button"
                class={photos.includes(sha) ? "hb-photo on" : "hb-photo"}
                aria-pressed={photos.includes(sha)}
                onClick={() => toggle(sha)}
                data-testid="ticket-photo"
              >
                <Thumb sha={sha} alt={t("report.photos")} size={64} eager />
              </button>
            ))}
          </div>
        </fieldset>
      ) : null}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy || !title.trim()} data-testid="ticket-create">
          {t("huddle.ticket.create")}
        </button>
        <button type="button" class="btn btn-secondary" onClick={onDone}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
