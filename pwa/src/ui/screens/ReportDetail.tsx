import { useState } from "preact/hooks";
import { getRecord } from "../../db/queries";
import { formatDateTime, formatNumber, localName, t, type MessageKey } from "../../i18n";
import { runtime } from "../../runtime";
import { deleteRecord, transitionReport } from "../../sync/commands";
import { REPORT_STATUS } from "../../sync/entities";
import { categories, displayName } from "../../sync/reference";
import { knownPeople } from "../../sync/people";
import { PhotoPicker } from "../components/PhotoPicker";
import { PhotoThumb } from "../components/PhotoThumb";
import { StatusText, SyncBadge } from "../components/StatusBadge";
import { useLiveQuery } from "../hooks";
import { navigate } from "../router";

const PHONE_OPS = ["solve", "handoff", "reopen"] as const;

/** One report: what was filed, its photos, its status and the actions a patroller may take. */
export function ReportDetail({ id }: { id: string }) {
  const { db, deviceId, scheduler } = runtime();
  const rec = useLiveQuery(() => getRecord(db, "report", id), [id]);
  const cats = useLiveQuery(() => categories(db), []) ?? [];
  const members = useLiveQuery(() => knownPeople(db), []) ?? [];
  const [solving, setSolving] = useState(false);
  const [after, setAfter] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  if (rec === undefined) return <main class="screen">{t("common.loading")}</main>;
  if (!rec || rec.deleted) return <main class="screen">{t("report.not_found")}</main>;
  const d = rec.data;
  const status = String(d.status ?? "open");
  const cat = cats.find((c) => c.code === d.category);
  const sub = cat?.subcategories.find((s) => s.code === d.subcategory);
  const allowed = PHONE_OPS.filter((op) => REPORT_STATUS.transitions.find((tr) => tr.op === op)?.sources.includes(status));

  const act = async (op: (typeof PHONE_OPS)[number]) => {
    if (op === "solve" && !solving) {
      setSolving(true);
      return;
    }
    await transitionReport(db, deviceId, id, op, op === "solve" ? { after_photos: after } : {});
    scheduler.soon();
    setSolving(false);
    setAfter([]);
  };

  return (
    <main class="screen report-detail" data-testid="report-detail">
      <header class="screen-head">
        <h1>{t("report.detail")}</h1>
        <p class="sub">
          <StatusText status={status} /> <SyncBadge rec={rec} />
        </p>
      </header>
      <dl class="card facts">
        <dt>{t("report.category")}</dt>
        <dd data-testid="detail-category">
          {cat ? localName(cat) : String(d.category ?? "")}
          {sub ? ` / ${localName(sub)}` : ""}
        </dd>
        <dt>{t("report.description")}</dt>
        <dd data-testid="detail-description">{String(d.description ?? "")}</dd>
        <dt>{t("report.severity")}</dt>
        <dd>{d.severity ? t(`report.severity.${d.severity}` as MessageKey) : ""}</dd>
        <dt>{t("report.place")}</dt>
        <dd>{String(d.place ?? "")}</dd>
        <dt>{t("report.location")}</dt>
        <dd>
          {typeof d.lat === "number" && typeof d.lon === "number"
            ? `${formatNumber(d.lat, undefined, { maximumFractionDigits: 5 })}, ${formatNumber(d.lon, undefined, { maximumFractionDigits: 5 })}`
            : t("report.location_none")}
        </dd>
        <dt>{t("report.time")}</dt>
        <dd>{formatDateTime(String(d.device_time ?? ""))}</dd>
        {d.reporter ? (
          <>
            <dt>{t("report.reporter")}</dt>
            <dd data-testid="detail-reporter">
              {displayName(members, typeof d.reporter === "object" ? (d.reporter as { username?: string }).username : d.reporter)}
            </dd>
          </>
        ) : null}
      </dl>
      <section class="card">
        <h2>{t("report.photos")}</h2>
        <div class="thumbs">
          {((d.photos as string[]) ?? []).map((sha, i) => (
            <PhotoThumb key={sha} sha={sha} alt={`${t("report.photos")} ${i + 1}`} />
          ))}
        </div>
        {((d.after_photos as string[]) ?? []).length ? (
          <>
            <h2>{t("report.after_photos")}</h2>
            <div class="thumbs">
              {((d.after_photos as string[]) ?? []).map((sha, i) => (
                <PhotoThumb key={sha} sha={sha} alt={`${t("report.after_photos")} ${i + 1}`} />
              ))}
            </div>
          </>
        ) : null}
      </section>
      {solving ? (
        <PhotoPicker label={t("report.after_photos")} value={after} onChange={setAfter} onBusy={setBusy} testid="detail-after-photo-input" />
      ) : null}
      <div class="actions">
        {allowed.map((op) => (
          <button
            key={op}
            type="button"
            class={op === "solve" ? "btn btn-primary" : "btn btn-secondary"}
            disabled={busy || (op === "solve" && solving && after.length === 0)}
            onClick={() => void act(op)}
            data-testid={`report-${op}`}
          >
            {t(`report.${op}` as MessageKey)}
          </button>
        ))}
        <a class="btn btn-secondary" href={`#/report/${id}/edit`} data-testid="report-edit">
          {t("common.edit")}
        </a>
        <button
          type="button"
          class="btn btn-danger"
          data-testid="report-delete"
          onClick={() => {
            if (confirm(t("report.confirm_delete"))) {
              void deleteRecord(db, deviceId, "report", id).then(() => {
                scheduler.soon();
                navigate("/history");
              });
            }
          }}
        >
          {t("report.delete")}
        </button>
      </div>
    </main>
  );
}
