import { useState } from "preact/hooks";
import { getMeta, setMeta } from "../../db/meta";
import { t } from "../../i18n";
import { addReportsToTicket, keepApart } from "../../sync/huddleCommands";
import { memo } from "../memo";
import { useBoard, useProgressive, type BoardCtx } from "./context";
import { draftKey, type BoardCluster, type BoardMatch, type BoardReport, type BoardView } from "./model";
import { PALETTE } from "./palette";
import { ReportLine } from "./ReportLine";
import { TicketForm } from "./TicketForm";
import { clusterKind, clusterReasons, reasonText } from "./words";

const NONE: BoardReport[] = [];

/** Adds (or takes back) a report in a cluster: a draft of this board until the cluster becomes a ticket. */
async function changeDraft(ctx: BoardCtx, key: string, id: string, add: boolean): Promise<void> {
  const storeKey = draftKey(ctx.date);
  const draft = { ...((await getMeta<Record<string, string[]>>(ctx.db, storeKey)) ?? {}) };
  for (const k of Object.keys(draft)) draft[k] = draft[k].filter((x) => x !== id);
  if (add) draft[key] = [...(draft[key] ?? []), id];
  await setMeta(ctx.db, storeKey, draft);
}

interface CardProps {
  cluster: BoardCluster;
  index: number;
  /** Reports that may be added (only for the card whose list is open, else empty). */
  candidates: BoardReport[];
  onPick: (key: string | null) => void;
}

const ClusterCard = memo(function ClusterCard({ cluster, index, candidates, onPick }: CardProps) {
  const ctx = useBoard();
  const [merging, setMerging] = useState(false);
  const [adding, setAdding] = useState("");
  const picking = candidates !== NONE;
  const colour = PALETTE[index % PALETTE.length];

  const split = async (id: string) => {
    await keepApart(ctx.db, ctx.node, ctx.gridId, id, cluster.reportIds.filter((x) => x !== id));
    ctx.acted();
  };

  return (
    <li class="card hb-cluster" data-testid="cluster-card" data-cluster-key={cluster.key} style={{ borderLeftColor: colour }}>
      <header class="hb-cluster-head">
        <span class="hb-swatch" style={{ background: colour }} aria-hidden="true" />
        <strong>{t("huddle.cluster.title", { n: cluster.members.length })}</strong>
        <span class="chip">{clusterKind(cluster.kind)}</span>
      </header>
      <p class="hb-reasons" data-testid="cluster-reasons">
        {clusterReasons(cluster.reasons).join(" · ")}
      </p>
      <ul class="list">
        {cluster.members.map((r) => (
          <ReportLine key={r.id} report={r}>
            {cluster.added.includes(r.id) ? (
              <button type="button" class="btn btn-secondary" onClick={() => void changeDraft(ctx, cluster.key, r.id, false)} data-testid="cluster-remove">
                {t("huddle.cluster.take_back")}
              </button>
            ) : (
              <button type="button" class="btn btn-secondary" onClick={() => void split(r.id)} data-testid="report-split" title={t("huddle.cluster.split_hint")}>
                {t("huddle.cluster.split")}
              </button>
            )}
          </ReportLine>
        ))}
      </ul>
      {merging ? (
        <TicketForm reports={cluster.members} onDone={() => setMerging(false)} />
      ) : (
        <div class="actions">
          <button type="button" class="btn btn-primary" onClick={() => setMerging(true)} data-testid="cluster-merge">
            {t("huddle.cluster.merge")}
          </button>
          {/* The list of other reports is built only when asked for: 40 clusters x 200 options
              cost the board most of its first second on a slow tablet. */}
          {!picking ? (
            <button type="button" class="btn btn-secondary" onClick={() => onPick(cluster.key)} data-testid="cluster-add-open">
              {t("huddle.cluster.add")}
            </button>
          ) : (
            <span class="hb-add">
              <select value={adding} onChange={(e) => setAdding(e.currentTarget.value)} aria-label={t("huddle.cluster.add")} data-testid="cluster-add-select">
                <option value="">{t("huddle.cluster.add")}</option>
                {candidates.map((r) => (
                  <option key={r.id} value={r.id}>
                    {`${ctx.catName(r.category)} · ${String(r.data.description ?? "").slice(0, 24)}`}
                  </option>
                ))}
              </select>
              <button
                type="button"
                class="btn btn-secondary"
                disabled={!adding}
                onClick={() =>
                  void changeDraft(ctx, cluster.key, adding, true).then(() => {
                    setAdding("");
                    onPick(null);
                  })
                }
                data-testid="cluster-add"
              >
                {t("huddle.cluster.add_action")}
              </button>
            </span>
          )}
        </div>
      )}
    </li>
  );
});

/** The suggested duplicate clusters, each with why it was formed, to merge, split or add to. */
export function Clusters({ view }: { view: BoardView }) {
  const [picking, setPicking] = useState<string | null>(null);
  const shown = useProgressive(view.clusters.length);
  return (
    <section class="hb-section" aria-labelledby="hb-clusters">
      <h2 id="hb-clusters">
        {t("huddle.clusters")} <span class="count">{view.clusters.length}</span>
      </h2>
      {view.clusters.length === 0 ? <p class="hint">{t("huddle.clusters_empty")}</p> : null}
      <ul class="hb-list">
        {view.clusters.slice(0, shown).map((c, i) => (
          <ClusterCard
            key={c.key}
            cluster={c}
            index={i}
            onPick={setPicking}
            candidates={picking === c.key ? view.reports.filter((r) => !r.ticketId && !c.members.includes(r)) : NONE}
          />
        ))}
      </ul>
    </section>
  );
}

/** Today's reports that look like a ticket still open: add them to it. */
export function Matches({ matches, view }: { matches: BoardMatch[]; view: BoardView }) {
  const ctx = useBoard();
  if (matches.length === 0) return null;
  const title = (id: string) => String(view.tickets.get(id)?.data.title ?? "");
  return (
    <section class="hb-section" aria-labelledby="hb-matches">
      <h2 id="hb-matches">
        {t("huddle.matches")} <span class="count">{matches.length}</span>
      </h2>
      <ul class="list card">
        {matches.map((m) => (
          <ReportLine key={`${m.report.id}:${m.ticketId}`} report={m.report}>
            <span class="sub">{t("huddle.match.like", { title: title(m.ticketId) || m.ticketId.slice(0, 8) })}</span>
            <span class="sub">{m.reasons.map(reasonText).join(" · ")}</span>
            <button
              type="button"
              class="btn btn-secondary"
              onClick={() => void addReportsToTicket(ctx.db, ctx.node, m.ticketId, [m.report.id]).then(ctx.acted)}
              data-testid="match-add"
            >
              {t("huddle.match.add")}
            </button>
          </ReportLine>
        ))}
      </ul>
    </section>
  );
}

const LooseItem = memo(function LooseItem({ report, onTicket }: { report: BoardReport; onTicket: (id: string) => void }) {
  return (
    <ReportLine report={report} listed>
      <button type="button" class="btn btn-secondary" onClick={() => onTicket(report.id)} data-testid="report-ticket">
        {t("huddle.loose.ticket")}
      </button>
    </ReportLine>
  );
});

const PlainItem = memo(function PlainItem({ report }: { report: BoardReport }) {
  return <ReportLine report={report} listed />;
});

/** A long list drawn a batch per task. */
function ReportList({ reports, onTicket }: { reports: BoardReport[]; onTicket?: (id: string) => void }) {
  const shown = useProgressive(reports.length, 10, 10);
  return (
    <ul class="list card">
      {reports.slice(0, shown).map((r) => (onTicket ? <LooseItem key={r.id} report={r} onTicket={onTicket} /> : <PlainItem key={r.id} report={r} />))}
    </ul>
  );
}

/** Reports in no cluster and no ticket; one may become a ticket of its own. Then those already in a ticket. */
export const LooseReports = memo(function LooseReports({ loose, ticketed }: { loose: BoardReport[]; ticketed: BoardReport[] }) {
  const [single, setSingle] = useState<string | null>(null);
  const chosen = single ? loose.find((r) => r.id === single) : undefined;
  return (
    <>
      <section class="hb-section" aria-labelledby="hb-loose">
        <h2 id="hb-loose">
          {t("huddle.loose")} <span class="count">{loose.length}</span>
        </h2>
        <ReportList reports={loose} onTicket={setSingle} />
        {chosen ? <TicketForm key={chosen.id} reports={[chosen]} onDone={() => setSingle(null)} /> : null}
      </section>
      {ticketed.length ? (
        <section class="hb-section" aria-labelledby="hb-ticketed">
          <h2 id="hb-ticketed">
            {t("huddle.ticketed")} <span class="count">{ticketed.length}</span>
          </h2>
          <ReportList reports={ticketed} />
        </section>
      ) : null}
    </>
  );
});

/** Problems solved on the spot (现场解决): counted and listed apart. */
export const SolvedOnSite = memo(function SolvedOnSite({ reports }: { reports: BoardReport[] }) {
  return (
    <section class="hb-section" aria-labelledby="hb-solved" data-testid="solved-on-site">
      <h2 id="hb-solved">
        {t("huddle.solved")} <span class="count">{reports.length}</span>
      </h2>
      {reports.length === 0 ? <p class="hint">{t("huddle.solved_empty")}</p> : <ReportList reports={reports} />}
    </section>
  );
});
