import { formatNumber, t } from "../../i18n";
import type { Fix } from "../../geo/position";

/** The GPS fix in words, with a button to locate again. */
export function Location({ fix, locating, error, locate }: { fix?: Fix; locating: boolean; error?: string; locate: () => void }) {
  return (
    <div class="field location" data-testid="location">
      <span class="label">{t("report.location")}</span>
      <p aria-live="polite">
        {locating
          ? t("checkin.locating")
          : fix
            ? `${formatNumber(fix.lat, undefined, { maximumFractionDigits: 5 })}, ${formatNumber(fix.lon, undefined, { maximumFractionDigits: 5 })} · ${t("checkin.accuracy", { m: fix.accuracy_m })}`
            : error
              ? t("checkin.no_gps", { reason: error })
              : t("report.location_none")}
      </p>
      <button type="button" class="btn btn-secondary" onClick={locate} disabled={locating} data-testid="locate">
        {fix ? t("report.relocate") : t("checkin.locate")}
      </button>
    </div>
  );
}
