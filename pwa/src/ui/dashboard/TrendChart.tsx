/**
 * Found / closed / overdue across the period, drawn as SVG by hand: three
 * polylines need no chart library (uPlot would add ~20 KB gzip to this chunk
 * for one chart), SVG scales crisply from a laptop to a 1080p wall screen,
 * and each point carries a <title> a screen reader or a hover can read.
 */

import type { TrendPoint } from "./data";
import { linePoints, niceScale } from "./geometry";
import { w } from "./words";

const W = 640;
const H = 240;
const PAD = { left: 36, right: 12, top: 12, bottom: 28 };
const SERIES = [
  { key: "found", colour: "#0f766e", word: "trend.found" },
  { key: "closed", colour: "#2563eb", word: "trend.closed" },
  { key: "overdue", colour: "#dc2626", word: "trend.overdue" },
] as const;

/** The last point and every `every`-th are labelled, but none crowding the last one. */
function labelled(i: number, n: number, every: number): boolean {
  if (i === n - 1) return true;
  return i % every === 0 && n - 1 - i >= every / 2;
}

export function TrendChart({ points }: { points: TrendPoint[] }) {
  const max = Math.max(0, ...points.flatMap((p) => [p.found, p.closed, p.overdue]));
  const { top, step } = niceScale(max);
  const width = W - PAD.left - PAD.right;
  const bottom = H - PAD.bottom;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const every = Math.max(1, Math.ceil(points.length / 8));
  const xOf = (i: number) => PAD.left + (points.length <= 1 ? width / 2 : (i / (points.length - 1)) * width);
  return (
    <section class="dash-panel dash-trend" data-testid="dash-trend">
      <h2>{w("trend.title")}</h2>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={w("trend.title")} class="dash-chart">
        {ticks.map((v) => {
          const y = bottom - (v / top) * (bottom - PAD.top);
          return (
            <g key={v}>
              <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} class="dash-gridline" />
              <text x={PAD.left - 6} y={y + 4} text-anchor="end" class="dash-axis">{v}</text>
            </g>
          );
        })}
        {points.map((p, i) => (labelled(i, points.length, every) ? (
          <text key={p.from} x={xOf(i)} y={H - 8} text-anchor={i === points.length - 1 ? "end" : "middle"}
            class="dash-axis">{p.from.slice(5)}</text>
        ) : null))}
        {SERIES.map((s) => (
          <g key={s.key} data-testid={`trend-${s.key}`}>
            <polyline points={linePoints(points.map((p) => p[s.key]), width, PAD.top, bottom, top, PAD.left)}
              fill="none" stroke={s.colour} stroke-width="2.5" stroke-linejoin="round" />
            {points.map((p, i) => (p[s.key] > 0 ? (
              <circle key={p.from} cx={xOf(i)} cy={bottom - (p[s.key] / top) * (bottom - PAD.top)} r="3.5" fill={s.colour}>
                <title>{`${p.from} ${w(s.word)}: ${p[s.key]}`}</title>
              </circle>
            ) : null))}
          </g>
        ))}
      </svg>
      <p class="dash-legend">
        {SERIES.map((s) => (
          <span key={s.key}><i style={{ background: s.colour }} /> {w(s.word)}</span>
        ))}
      </p>
    </section>
  );
}
