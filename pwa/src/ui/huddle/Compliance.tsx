import { recordsOf } from "../../db/queries";
import { formatNumber, formatTime, localName, t } from "../../i18n";
import type { CheckinSummary, CommonProblem } from "../../sync/huddle";
import { postNotice, withdrawNotice } from "../../sync/huddleCommands";
import { displayName } from "../../sync/reference";
import { useLiveQuery } from "../hooks";
import { memo } from "../memo";
import { useBoard } from "./context";
import { nextDay } from "./model";
import { suggestionText } from "./words";

/** Check-in compliance per member: first and last check-in, checkpoints covered of total, flagged check-ins. */
export const Compliance = memo(function Compliance({ rows }: { rows: CheckinSummary[] }) {
  const { members } = useBoard();
  return (
    <section class="hb-section card" aria-labelledby="hb-compliance">
      <h2 id="hb-compliance">{t("huddle.compliance")}</h2>
      <table class="hb-table">
        <thead>
          <tr>
            <th scope="col">{t("huddle.compliance.member")}</th>
            <th scope="col">{t("huddle.compliance.first_last")}</th>
            <th scope="col">{t("huddle.compliance.checkpoints")}</th>
            <th scope="col">{t("huddle.compliance.flagged")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.member} data-testid="compliance-row" class={r.count === 0 ? "hb-missing" : ""}>
              <th scope="row">{r.display_name || displayName(members, r.member)}</th>
              <td>{r.first ? `${formatTime(r.first)}–${formatTime(r.last ?? r.first)}` : t("huddle.compliance.none")}</td>
              <td>
                {t("huddle.compliance.covered", { covered: r.checkpoints_covered, total: r.checkpoints_total })}
                {r.compliance != null ? ` (${formatNumber(r.compliance, undefined, { style: "percent" })})` : ""}
              </td>
              <td class={r.off_beat ?? r.flagged ? "hb-alert" : ""} title={t("huddle.compliance.flagged_all", { n: r.flagged })} data-testid="compliance-off-beat">
                {r.off_beat ?? r.flagged}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
});

/** The week's recurring problems (发现一处、整治一片), each a tap away from a team notice for tomorrow's round. */
export function CommonProblems({ problems }: { problems: CommonProblem[] }) {
  const ctx = useBoard();
  const tomorrow = nextDay(ctx.date);
  const notices = useLiveQuery(() => recordsOf(ctx.db, "notice"), []) ?? [];
  const posted = (category: string) =>
    notices.find((n) => !n.deleted && n.data.category === category && n.data.for_day === tomorrow && n.data.grid_id === ctx.gridId);
  return (
    <section class="hb-section card" aria-labelledby="hb-common">
      <h2 id="hb-common">{t("huddle.common")}</h2>
      {problems.length === 0 ? <p class="hint">{t("huddle.common_empty")}</p> : null}
      <ul class="list">
        {problems.map((p) => {
          const notice = posted(p.category);
          return (
            <li key={p.category} class="row" data-testid="common-problem" data-category={p.category}>
              <span class="grow">
                <strong>{localName({ name_zh: p.name_zh, name_en: p.name_en })}</strong>
                <span class="sub">
                  {" "}
                  {t("huddle.common.counts", { grid: p.grid_count, street: p.street_count, grids: p.grids.length })}
                </span>
                <span class="sub hb-block">{suggestionText(p.suggestion_code, p.suggestion)}</span>
              </span>
              {notice ? (
                <>
                  <span class="badge badge-ok" data-testid="focus-posted">
                    {t("huddle.common.posted")}
                  </span>
                  <button type="button" class="btn btn-secondary" onClick={() => void withdrawNotice(ctx.db, ctx.node, notice.entity_id).then(ctx.acted)}>
                    {t("huddle.common.withdraw")}
                  </button>
                </>
              ) : (
                <button
                  type="button"
                  class="btn btn-primary"
                  onClick={() => void postNotice(ctx.db, ctx.node, { grid_id: ctx.gridId, category: p.category, for_day: tomorrow }).then(ctx.acted)}
                  data-testid={`focus-${p.category}`}
                >
                  {t("huddle.common.focus")}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
