import { useState } from "preact/hooks";
import { getMeta, setMeta } from "../../db/meta";
import { t } from "../../i18n";
import { addReportsToTicket, keepApart } from "../../sync/huddleCommands";
import { useBoard, type BoardCtx } from "./context";
import { draftKey, type BoardCluster, type BoardReport } from "./model";
import { PALETTE } from "./palette";
import { ReportLine } from "./ReportLine";
import { TicketForm } from "./TicketForm";
import { clusterKind, clusterReasons, reasonText } from "./words";

/** Adds (or takes back) a report in a cluster: a draft of this board until the cluster becomes a ticket. */
async function changeDraft(ctx: BoardCtx, key: string, id: string, add: boolean): Promise<void> {
  const storeKey = draftKey(ctx.gridId, ctx.date);
  const draft = { ...((await getMeta<Record<string, string[]>>(ctx.db, storeKey)) ?? {}) };
  for (const k of Object.keys(draft)) draft[k] = draft[k].filter((x) => x !== id);
  if (add) draft[key] = [...(draft[key] ?? []), id];
  await setMeta(ctx.db, storeKey, draft);
}

function ClusterCard({ cluster, index }: { cluster: BoardCluster; index: number }) {
  const ctx = useBoard();
  const { view } = ctx;
  const [merging, setMerging] = useState(false);
  const [adding, setAdding] = useState("");
  const members = [...cluster.reportIds, ...cluster.added]
    .map((id) => view.byId.get(id))
    .filter((r): r is BoardReport => !!r)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const ids = [...cluster.reportIds, ...cluster.added];
  const candidates = view.reports.filter((r) => !r.ticketId && !ids.includes(r.id));

  const split = async (id: string) => {
    await keepApart(ctx.db, ctx.node, ctx.gridId, id, cluster.reportIds.filter((x) => x !== id));
    ctx.acted();
  };

  return (
    <li class="card hb-cluster" data-testid="cluster-card" data-cluster-key={cluster.key} style={{ borderLeftColor: PALETTE[index % PALETTE.length] }}>
      <header class="hb-cluster-head">
        <span class="hb-swatch" style={{ background: PALETTE[index % PALETTE.length] }} aria-hidden="true" />
        <strong>{t("huddle.cluster.title", { n: members.length })}</strong>
        <span class="chip">{clusterKind(cluster.kind)}</span>
      </header>
      <p class="hb-reasons" data-testid="cluster-reasons">
        {clusterReasons(cluster.reasons).join(" · ")}
      </p>
      <ul class="list">
        {members.map((r) => (
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
        <TicketForm reports={members} onDone={() => setMerging(false)} />
      ) : (
        <div class="actions">
          <button type="button" class="btn btn-primary" onClick={() => setMerging(true)} data-testid="cluster-merge">
            {t("huddle.cluster.merge")}
          </button>
          {candidates.length ? (
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
                onClick={() => void changeDraft(ctx, cluster.key, adding, true).then(() => setAdding(""))}
                data-testid="cluster-add"
              >
                {t("huddle.cluster.add_action")}
              </button>
            </span>
          ) : null}
        </div>
      )}
    </li>
  );
}

/** The suggested duplicate clusters, each with why it was formed, to merge, split or add to. */
export function Clusters() {
  const { view } = useBoard();
  return (
    <section class="hb-section" aria-labelledby="hb-clusters">
      <h2 id="hb-clusters">
        {t("huddle.clusters")} <span class="count">{view.clusters.length}</span>
      </h2>
      {view.clusters.length === 0 ? <p class="hint">{t("huddle.clusters_empty")}</p> : null}
      <ul class="hb-list">
        {view.clusters.map((c, i) => (
          <ClusterCard key={c.key} cluster={c} index={i} />
        ))}
      </ul>
    </section>
  );
}

/** Today's reports that look like a ticket still open: add them to it. */
export function Matches() {
  const ctx = useBoard();
  const { view } = ctx;
  if (view.matches.length === 0) return null;
  const title = (id: string) => String(view.tickets.get(id)?.data.title ?? "");
  return (
    <section class="hb-section" aria-labelledby="hb-matches">
      <h2 id="hb-matches">
        {t("huddle.matches")} <span class="count">{view.matches.length}</span>
      </h2>
      <ul class="list card">
        {view.matches.map((m) => (
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

/** Reports in no cluster and no ticket; one may become a ticket of its own. */
export function LooseReports() {
  const { view } = useBoard();
  const [single, setSingle] = useState<string | null>(null);
  const ticketed = view.reports.filter((r) => r.ticketId);
  return (
    <>
      <section class="hb-section" aria-labelledby="hb-loose">
        <h2 id="hb-loose">
          {t("huddle.loose")} <span class="count">{view.loose.length}</span>
        </h2>
        <ul class="list card">
          {view.loose.map((r) => (
            <ReportLine key={r.id} report={r}>
              {single === r.id ? null : (
                <button type="button" class="btn btn-secondary" onClick={() => setSingle(r.id)} data-testid="report-ticket">
                  {t("huddle.loose.ticket")}
                </button>
              )}
            </ReportLine>
          ))}
        </ul>
        {single && view.byId.get(single) ? <TicketForm reports={[view.byId.get(single)!]} onDone={() => setSingle(null)} /> : null}
      </section>
      {ticketed.length ? (
        <section class="hb-section" aria-labelledby="hb-ticketed">
          <h2 id="hb-ticketed">
            {t("huddle.ticketed")} <span class="count">{ticketed.length}</span>
          </h2>
          <ul class="list card">
            {ticketed.map((r) => (
              <ReportLine key={r.id} report={r} />
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

/** Problems solved on the spot (现场解决): counted and listed apart. */
export function SolvedOnSite() {
  const { view } = useBoard();
  return (
    <section class="hb-section" aria-labelledby="hb-solved" data-testid="solved-on-site">
      <h2 id="hb-solved">
        {t("huddle.solved")} <span class="count">{view.solvedOnSite.length}</span>
      </h2>
      {view.solvedOnSite.length === 0 ? <p class="hint">{t("huddle.solved_empty")}</p> : null}
      <ul class="list card">
        {view.solvedOnSite.map((r) => (
          <ReportLine key={r.id} report={r} />
        ))}
      </ul>
    </section>
  );
}
