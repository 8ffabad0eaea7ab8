/**
 * The grid drawn from our own data, so it works with no network and no tile
 * server: boundary, each member's beat, checkpoints, and the day's reports as
 * pins coloured by cluster. Points are WGS-84, as the phones' GPS gives them,
 * projected with Web Mercator so an optional raster layer (GRIDWALK_TILE_URL,
 * {z}/{x}/{y}) lines up — if that layer is WGS-84 too. Chinese base maps
 * (GCJ-02) appear shifted by a few hundred metres; see the README.
 */

import { t } from "../../i18n";
import type { GridMap as GridMapData, MapPoint } from "../../sync/huddle";
import { displayName } from "../../sync/reference";
import { memo } from "../memo";
import { useBoard } from "./context";
import type { BoardCluster, BoardReport } from "./model";
import { PALETTE, memberColour } from "./palette";

/** Mercator scale: world pixels at zoom 20, so the grid's few hundred metres are thousands of units. */
const ZOOM = 20;
const UNCLUSTERED = "#94a3b8";
const WORLD = 256 * 2 ** ZOOM;

/** WGS-84 degrees to Web Mercator world pixels at ZOOM. */
export function project(lat: number, lon: number): [number, number] {
  const x = ((lon + 180) / 360) * WORLD;
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  const y = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * WORLD;
  return [x, y];
}

/** Metres to world pixels at a latitude. */
function metres(m: number, lat: number): number {
  return (m / (40_075_016.686 * Math.cos((lat * Math.PI) / 180))) * WORLD;
}

/** The convex hull (monotone chain) of some points. */
export function hull(points: [number, number][]): [number, number][] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: number[], a: number[], b: number[]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (const q of [...p].reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

function tiles(template: string, box: [number, number, number, number]): { href: string; x: number; y: number; size: number }[] {
  const [x0, y0, w] = box;
  // About three tiles across the drawing.
  const z = Math.max(3, Math.min(19, Math.round(ZOOM - Math.log2(w / 256 / 3))));
  const size = 256 * 2 ** (ZOOM - z);
  const out = [];
  for (let tx = Math.floor(x0 / size); tx * size < x0 + w; tx++) {
    for (let ty = Math.floor(y0 / size); ty * size < y0 + box[3]; ty++) {
      const href = template.replace("{z}", String(z)).replace("{x}", String(tx)).replace("{y}", String(ty)).replace("{s}", "a");
      out.push({ href, x: tx * size, y: ty * size, size });
    }
  }
  return out.length <= 64 ? out : [];
}

/**
 * The report pins as one path per colour (and per "in a ticket" outline): a day's 200 pins as
 * 200 SVG elements took a slow tablet a third of a second to draw; a few dozen paths do not.
 */
function pinPaths(
  pins: { r: BoardReport; at: [number, number] }[],
  clusterOf: Map<string, number>,
  radius: number,
): { key: string; d: string; fill: string; ticketed: boolean; count: number }[] {
  const groups = new Map<string, { d: string[]; fill: string; ticketed: boolean }>();
  for (const { r, at: [x, y] } of pins) {
    const i = clusterOf.get(r.id);
    const fill = i === undefined ? UNCLUSTERED : PALETTE[i % PALETTE.length];
    const ticketed = !!r.ticketId;
    const key = `${fill}|${ticketed}`;
    const group = groups.get(key) ?? { d: [], fill, ticketed };
    // A circle as two arcs.
    group.d.push(`M${x - radius},${y}a${radius},${radius} 0 1,0 ${2 * radius},0a${radius},${radius} 0 1,0 ${-2 * radius},0`);
    groups.set(key, group);
  }
  return [...groups].map(([key, g]) => ({ key, d: g.d.join(""), fill: g.fill, ticketed: g.ticketed, count: g.d.length }));
}

/** The map card: redrawn only when the map, the day's reports or the clusters change. */
export const GridMap = memo(function GridMap({ map, reports, clusters }: { map: GridMapData; reports: BoardReport[]; clusters: BoardCluster[] }) {
  const { members } = useBoard();
  const ringWorld = (map.boundary?.coordinates?.[0] ?? []).map(([lon, lat]) => project(lat, lon));
  const beatWorld = map.beats.map((b) => [...b.places, ...b.checkpoints].map((p: MapPoint) => project(p.lat, p.lon)));
  const clusterOf = new Map<string, number>();
  clusters.forEach((c, i) => [...c.reportIds, ...c.added].forEach((id) => clusterOf.set(id, i)));
  const located = reports.filter((r) => typeof r.data.lat === "number" && typeof r.data.lon === "number");
  const pinWorld = located.map((r) => project(r.data.lat as number, r.data.lon as number));
  const all = [...ringWorld, ...beatWorld.flat(), ...pinWorld];
  if (all.length === 0) return null;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const pad = Math.max(40, (Math.max(...xs) - Math.min(...xs)) * 0.06);
  const x0 = Math.min(...xs) - pad;
  const y0 = Math.min(...ys) - pad;
  // Drawn relative to the map's corner: browsers draw SVG in single precision, and world
  // pixels at zoom 20 (hundreds of millions) would lose the metres.
  const local = ([x, y]: [number, number]): [number, number] => [x - x0, y - y0];
  const ring = ringWorld.map(local);
  const beatPoints = beatWorld.map((points) => points.map(local));
  const pins = located.map((r, k) => ({ r, at: local(pinWorld[k]) }));
  const box: [number, number, number, number] = [0, 0, Math.max(...xs) - x0 + pad, Math.max(...ys) - y0 + pad];
  const lat0 = map.center?.[0] ?? 30;
  const pinR = Math.max(box[2], box[3]) / 70;

  return (
    <section class="hb-section card" aria-labelledby="hb-map">
      <h2 id="hb-map">{t("huddle.map")}</h2>
      <svg class="hb-map" viewBox={box.join(" ")} preserveAspectRatio="xMidYMid meet" role="img" aria-label={t("huddle.map")} data-testid="huddle-map">
        {map.tile_url
          ? tiles(map.tile_url, [x0, y0, box[2], box[3]]).map((tile) => (
              <image key={tile.href} href={tile.href} x={tile.x - x0} y={tile.y - y0} width={tile.size} height={tile.size} class="hb-tile" />
            ))
          : null}
        {ring.length ? <polygon points={ring.map((p) => p.join(",")).join(" ")} class="hb-boundary" vector-effect="non-scaling-stroke" /> : null}
        {map.beats.map((b, i) => {
          const h = hull(beatPoints[i]);
          return h.length ? (
            <polygon
              key={b.member}
              points={h.map((p) => p.join(",")).join(" ")}
              class="hb-beat"
              style={{ fill: memberColour(i), stroke: memberColour(i) }}
              vector-effect="non-scaling-stroke"
            >
              <title>{`${displayName(members, b.member)} · ${b.name}`}</title>
            </polygon>
          ) : null;
        })}
        {map.beats.flatMap((b) =>
          b.checkpoints.map((c) => {
            const [x, y] = local(project(c.lat, c.lon));
            return (
              <g key={`${b.member}:${c.id}`} class="hb-checkpoint">
                <circle cx={x} cy={y} r={metres(c.radius_m ?? 50, lat0)} vector-effect="non-scaling-stroke" />
                <rect x={x - pinR / 3} y={y - pinR / 3} width={(pinR * 2) / 3} height={(pinR * 2) / 3} />
                <title>{c.name}</title>
              </g>
            );
          }),
        )}
        {pinPaths(pins, clusterOf, pinR).map((p) => (
          <path key={p.key} d={p.d} class={p.ticketed ? "hb-pin hb-pin-ticket" : "hb-pin"} style={{ fill: p.fill }} vector-effect="non-scaling-stroke" data-testid="map-pins" data-count={p.count} />
        ))}
      </svg>
      <ul class="hb-legend">
        {map.beats.map((b, i) => (
          <li key={b.member}>
            <span class="hb-swatch" style={{ background: memberColour(i) }} aria-hidden="true" />
            {displayName(members, b.member)}
          </li>
        ))}
        <li>
          <span class="hb-swatch hb-swatch-cp" aria-hidden="true" />
          {t("huddle.map.checkpoint")}
        </li>
        <li>
          <span class="hb-swatch" style={{ background: UNCLUSTERED }} aria-hidden="true" />
          {t("huddle.map.unclustered")}
        </li>
      </ul>
      <p class="sub">{t("huddle.map.datum")}</p>
    </section>
  );
});
