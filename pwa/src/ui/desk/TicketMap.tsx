/**
 * Where a ticket is, drawn from our own data like the huddle board's map: the
 * grid's boundary and the reports' GPS points (WGS-84, Web Mercator), so it
 * needs no tile server and works offline.
 */

import type { Dossier } from "../../sync/desk";
import { dt } from "./words";

const WORLD = 256 * 2 ** 20;

/** WGS-84 degrees to Web Mercator world pixels (zoom 20). */
export function mercator(lat: number, lon: number): [number, number] {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return [((lon + 180) / 360) * WORLD, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * WORLD];
}

export function TicketMap({ dossier }: { dossier: Dossier }) {
  const ringWorld = (dossier.grid?.boundary?.coordinates?.[0] ?? []).map(([lon, lat]) => mercator(lat, lon));
  const pinsWorld = dossier.reports
    .filter((r) => typeof r.data.lat === "number" && typeof r.data.lon === "number")
    .map((r) => ({ id: r.id, text: String(r.data.description ?? ""), at: mercator(r.data.lat as number, r.data.lon as number) }));
  const all = [...ringWorld, ...pinsWorld.map((p) => p.at)];
  if (!all.length) return <p class="hint">{dt("tp.map_none")}</p>;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const w = Math.max(...xs) - Math.min(...xs);
  const h = Math.max(...ys) - Math.min(...ys);
  const pad = Math.max(60, Math.max(w, h) * 0.08);
  // Drawn relative to the corner: Chromium keeps SVG coordinates in single precision, and world
  // pixels at zoom 20 (hundreds of millions) would lose the pins.
  const x0 = Math.min(...xs) - pad;
  const y0 = Math.min(...ys) - pad;
  const local = ([x, y]: [number, number]): [number, number] => [x - x0, y - y0];
  const ring = ringWorld.map(local);
  const pins = pinsWorld.map((p) => ({ ...p, at: local(p.at) }));
  const box = [0, 0, w + 2 * pad, h + 2 * pad];
  const r = Math.max(box[2], box[3]) / 32;
  return (
    <svg class="dk-map" viewBox={box.join(" ")} preserveAspectRatio="xMidYMid meet" role="img" aria-label={`${dt("tp.map")} · ${dossier.grid?.name ?? ""}`} data-testid="ticket-map">
      {ring.length ? <polygon points={ring.map((p) => p.join(",")).join(" ")} class="dk-boundary" vector-effect="non-scaling-stroke" /> : null}
      {pins.map((p) => (
        <circle key={p.id} cx={p.at[0]} cy={p.at[1]} r={r} class="dk-pin" vector-effect="non-scaling-stroke" data-testid="ticket-map-pin">
          <title>{p.text}</title>
        </circle>
      ))}
    </svg>
  );
}
