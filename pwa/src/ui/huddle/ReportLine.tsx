import type { ComponentChildren } from "preact";
import { formatTime, t } from "../../i18n";
import { displayName } from "../../sync/reference";
import { StatusText } from "../components/StatusBadge";
import { useBoard } from "./context";
import type { BoardReport } from "./model";
import { Thumb } from "./Thumb";

/**
 * One report on the board: thumbnail, who (display name), when, category, status, what was said.
 * `listed`: a row of a long list (drawn only when near the screen).
 */
export function ReportLine({ report, children, listed = false }: { report: BoardReport; children?: ComponentChildren; listed?: boolean }) {
  const { members, catName } = useBoard();
  const who = displayName(members, report.reporter);
  const description = String(report.data.description ?? "");
  return (
    <li class={listed ? "hb-report hb-list-item" : "hb-report"} data-testid="board-report" data-report-id={report.id}>
      <a href={`#/report/${report.id}`} class="hb-report-link">
        <Thumb sha={report.photos[0]} alt={t("report.photos")} />
        <span class="hb-report-body">
          <span class="hb-report-meta">
            <strong data-testid="board-reporter">{who}</strong>
            <span class="sub">{formatTime(report.at)}</span>
            <span class="chip">{catName(report.category)}</span>
            <StatusText status={report.status} />
            {report.status === "needs_handoff" && !report.ticketId ? (
              <span class="badge badge-warn" data-testid="flag-unticketed">
                {t("huddle.flag.unticketed")}
              </span>
            ) : null}
            {report.pending ? <span class="badge badge-pending">{t("record.pending")}</span> : null}
          </span>
          <span class="hb-report-text">{description || "—"}</span>
        </span>
      </a>
      {children ? <span class="hb-report-actions">{children}</span> : null}
    </li>
  );
}
