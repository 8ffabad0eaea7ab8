/**
 * The printable handoff sheet (问题交接单): one A4 page per ticket, always in
 * zh-CN — number, grid, place, category, severity, description, photos,
 * deadlines, the trail and signature lines. The print stylesheet (desk.css)
 * hides the app around it. `data-ready` says when every dossier and photo is
 * in, so printing (or a test's PDF) waits for them.
 */

import { useEffect, useState } from "preact/hooks";
import { formatDateTime, translate, type Locale } from "../../i18n";
import { displayPhotoUrl } from "../../photos/remote";
import { runtime } from "../../runtime";
import { loadDossier, refreshDossier, type Dossier, type DossierSnapshot } from "../../sync/desk";
import { displayName, type Category, type Department } from "../../sync/reference";
import type { Person } from "../../sync/people";
import { useLiveQuery, useOnline } from "../hooks";
import { useReference, usePeople } from "./hooks";
import { ticketNumber } from "./model";
import { deptName, historyText, levelText, timeLeftText } from "./parts";
import { dt } from "./words";
import "./desk.css";

const ZH: Locale = "zh-CN";
const MAX_PHOTOS = 4;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const at = (iso: unknown) => (typeof iso === "string" && iso ? formatDateTime(iso, ZH) : "");

function SheetPhoto({ sha, onDone }: { sha: string; onDone: () => void }) {
  const [url, setUrl] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let made: string | null = null;
    const { db, api } = runtime();
    void displayPhotoUrl(db, api, sha)
      .catch(() => null)
      .then((u) => {
        made = u;
        setUrl(u);
        if (!u) onDone();
      });
    return () => {
      if (made) URL.revokeObjectURL(made);
    };
  }, [sha]);
  return <figure class="pr-photo">{url ? <img src={url} alt="" onLoad={onDone} onError={onDone} data-testid="sheet-photo" /> : <span>—</span>}</figure>;
}

function Sheet({ dossier, people, cats, depts, onPhoto }: { dossier: Dossier; people: readonly Person[]; cats: readonly Category[]; depts: readonly Department[]; onPhoto: () => void }) {
  const d = dossier.ticket;
  const cat = cats.find((c) => c.code === d.category);
  const dept = depts.find((x) => x.id === d.department);
  const photos = [...new Set([...strings(d.photos), ...dossier.reports.flatMap((r) => strings(r.data.photos)), ...strings(d.resolution_photos)])];
  const reporters = [...new Set(dossier.reports.map((r) => displayName(people, r.data.reporter)))].join("、");
  const z = (key: Parameters<typeof dt>[0], params?: Record<string, string | number>) => dt(key, params, ZH);
  return (
    <article class="pr-sheet" data-testid="handoff-sheet" data-ticket-id={d.id}>
      <header class="pr-head">
        <h1>{z("pr.title")}</h1>
        <p>
          {z("f.number")}：<strong class="mono">{ticketNumber(d.id)}</strong>
        </p>
      </header>
      <table class="pr-table">
        <tbody>
          <tr>
            <th>{z("f.title")}</th>
            <td colSpan={3}>{String(d.title ?? "")}</td>
          </tr>
          <tr>
            <th>{z("f.grid")}</th>
            <td>{dossier.grid ? `${dossier.grid.name}（${dossier.grid.community}）` : ""}</td>
            <th>{z("f.place")}</th>
            <td>{String(d.place ?? "")}</td>
          </tr>
          <tr>
            <th>{z("f.category")}</th>
            <td>{cat?.name_zh ?? String(d.category ?? "")}</td>
            <th>{z("f.severity")}</th>
            <td>{d.severity ? translate(ZH, `report.severity.${d.severity}` as "report.severity.1") : ""}</td>
          </tr>
          <tr>
            <th>{z("f.status")}</th>
            <td>{translate(ZH, `ticket.status.${String(d.status)}` as "ticket.status.draft")}</td>
            <th>{z("f.level")}</th>
            <td>{levelText(d.level ?? "grid", ZH)}</td>
          </tr>
          <tr>
            <th>{z("f.reporters")}</th>
            <td>{reporters}</td>
            <th>{z("f.department")}</th>
            <td>{dept ? deptName(dept, ZH) : (dossier.department?.name ?? "")}</td>
          </tr>
          <tr>
            <th>{z("pr.deadlines")}</th>
            <td colSpan={3}>
              {z("f.due")}：{at(d.due_at)}（{timeLeftText(d.due_at, d.status, Date.parse(dossier.now), ZH)}）
              {d.ack_due_at ? `　${z("f.ack_due")}：${at(d.ack_due_at)}` : ""}
            </td>
          </tr>
          <tr>
            <th>{z("f.description")}</th>
            <td colSpan={3}>
              <ol class="pr-reports">
                {dossier.reports.map((r) => (
                  <li key={r.id}>
                    {String(r.data.description ?? "")}
                    <span class="pr-muted">（{displayName(people, r.data.reporter)}，{at(r.data.device_time ?? r.created_at)}）</span>
                  </li>
                ))}
              </ol>
              {d.resolution_note ? (
                <p>
                  {z("f.resolution")}：{String(d.resolution_note)}
                </p>
              ) : null}
            </td>
          </tr>
        </tbody>
      </table>
      <div class="pr-photos">
        {photos.slice(0, MAX_PHOTOS).map((sha) => (
          <SheetPhoto key={sha} sha={sha} onDone={onPhoto} />
        ))}
      </div>
      {photos.length > MAX_PHOTOS ? <p class="pr-muted">{z("pr.photos_more", { n: photos.length - MAX_PHOTOS })}</p> : null}
      <h2>{z("tp.timeline")}</h2>
      <ol class="pr-timeline">
        {dossier.history.map((h, i) => (
          <li key={i}>
            {at(h.at)} {historyText(h, people, depts, ZH)}
            {h.status === "conflict" ? ` ${z("h.lost")}` : ""}
          </li>
        ))}
      </ol>
      <footer class="pr-sign">
        {(["pr.sign.handover", "pr.sign.receive", "pr.sign.verify"] as const).map((key) => (
          <div key={key}>
            <span>{z(key)}：</span>
            <span class="pr-line" />
            <span>{z("pr.sign.date")}：</span>
            <span class="pr-line pr-line-short" />
          </div>
        ))}
        <p class="pr-muted">{z("pr.printed_at", { time: formatDateTime(new Date(), ZH) })}</p>
      </footer>
    </article>
  );
}

/** The print screen for one or more tickets (`#/print/<id>,<id>`). */
export function Print({ ids }: { ids: string }) {
  const { db, api } = runtime();
  const online = useOnline();
  const list = ids.split(",").filter(Boolean).slice(0, 50);
  const snapshots = useLiveQuery(() => Promise.all(list.map((id) => loadDossier(db, id))), [ids]);
  const [photosDone, setPhotosDone] = useState(0);
  const [fetched, setFetched] = useState(false);
  useEffect(() => {
    if (!online) return setFetched(true);
    void Promise.allSettled(list.map((id) => refreshDossier(db, api, id))).then(() => setFetched(true));
  }, [ids, online]);
  const dossiers = (snapshots ?? []).filter((s): s is DossierSnapshot => !!s).map((s) => s.dossier);
  const names = Object.assign({}, ...dossiers.map((x) => x.people)) as Record<string, string>;
  const people = usePeople(names);
  const { cats, depts } = useReference();
  const expectedPhotos = dossiers.reduce(
    (n, x) => n + Math.min(MAX_PHOTOS, new Set([...strings(x.ticket.photos), ...x.reports.flatMap((r) => strings(r.data.photos)), ...strings(x.ticket.resolution_photos)]).size),
    0,
  );
  const ready = fetched && snapshots !== undefined && photosDone >= expectedPhotos;
  return (
    <main class="screen desk pr-screen" data-testid="print-screen" data-ready={ready ? "1" : "0"}>
      <div class="pr-toolbar">
        <button type="button" class="btn btn-primary" onClick={() => print()} disabled={!ready} data-testid="print-now">
          🖨️ {dt("pr.print")}
        </button>
        {!ready ? <span class="sub">{dt("pr.loading")}</span> : null}
      </div>
      {dossiers.map((x) => (
        <Sheet key={x.ticket.id} dossier={x} people={people} cats={cats} depts={depts} onPhoto={() => setPhotosDone((n) => n + 1)} />
      ))}
      {fetched && !dossiers.length ? <p class="banner banner-warn">{dt("tp.not_found")}</p> : null}
    </main>
  );
}
