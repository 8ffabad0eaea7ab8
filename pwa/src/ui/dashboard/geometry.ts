/**
 * Pure drawing arithmetic for the dashboard: chart scales and the grid map's
 * projection. No DOM, so it is unit-tested.
 */

/** A "nice" upper bound for an axis holding values up to `max` (1, 2, 5 × 10ⁿ), and its tick step. */
export function niceScale(max: number, ticks = 4): { top: number; step: number } {
  if (!(max > 0)) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const rounded = Math.max(1, step);
  return { top: Math.ceil(max / rounded) * rounded, step: rounded };
}

/** SVG polyline points for `values` across `width`, from `bottom` up to `top` (value `max`). */
export function linePoints(values: number[], width: number, top: number, bottom: number, max: number, left = 0): string {
  const n = values.length;
  return values
    .map((v, i) => {
      const x = left + (n <= 1 ? width / 2 : (i / (n - 1)) * width);
      const y = bottom - (max > 0 ? (v / max) * (bottom - top) : 0);
      return `${round(x)},${round(y)}`;
    })
    .join(" ");
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

export type Ring = number[][];

/**
 * Grid boundaries ([lon, lat] rings, WGS-84) laid out on a `width` × `height`
 * canvas: an equirectangular projection with longitude shrunk by cos(latitude),
 * which is true to shape over a district's few kilometres, fitted with a margin.
 */
export function fitRings(rings: Ring[], width: number, height: number, margin = 12): (ring: Ring) => string {
  const points = rings.flat();
  if (!points.length) return () => "";
  const lat0 = points.reduce((s, p) => s + p[1], 0) / points.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = points.map((p) => p[0] * k);
  const ys = points.map((p) => -p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const spanX = Math.max(maxX - minX, 1e-9);
  const spanY = Math.max(maxY - minY, 1e-9);
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  return (ring: Ring) =>
    ring.map(([lon, lat]) => `${round(offX + (lon * k - minX) * scale)},${round(offY + (-lat - minY) * scale)}`).join(" ");
}

/** The mean of a ring's points, as a label position in the same projection's terms. */
export function ringCentre(ring: Ring): [number, number] {
  const n = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]
    ? ring.length - 1 : ring.length;
  let x = 0;
  let y = 0;
  for (let i = 0; i < n; i++) {
    x += ring[i][0];
    y += ring[i][1];
  }
  return [x / n, y / n];
}

/** A colour from pale to deep red for `v` of `max` (open problems: more is worse). */
export function heat(v: number, max: number): string {
  const t = max > 0 ? Math.min(1, v / max) : 0;
  const light = 95 - t * 55;
  return `hsl(4 ${round(40 + t * 45)}% ${round(light)}%)`;
}

/** Red at 0 through amber to green at 1 (a rate where more is better); grey with no value. */
export function rateColour(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "#e2e8f0";
  const hue = Math.max(0, Math.min(1, v)) * 130;
  return `hsl(${round(hue)} 62% 52%)`;
}
