/**
 * The grids drawn from their own boundaries (no tile server, works offline),
 * coloured by open problems or by 按期结案率. Clicking a grid opens its figures.
 */

import type { GridFigure } from "./data";
import { fitRings, heat, rateColour, ringCentre } from "./geometry";
import { percent, w } from "./words";

const W = 560;
const H = 420;

export type MapMetric = "open" | "on_time";

export function DistrictMap({ grids, metric, onMetric, onPick }: {
  grids: GridFigure[];
  metric: MapMetric;
  onMetric: (m: MapMetric) => void;
  onPick: (grid: GridFigure) => void;
}) {
  const drawn = grids.filter((g) => g.boundary?.coordinates?.[0]?.length);
  const project = fitRings(drawn.map((g) => g.boundary!.coordinates[0]), W, H);
  const maxOpen = Math.max(0, ...drawn.map((g) => g.open));
  const fill = (g: GridFigure) => (metric === "open" ? heat(g.open, maxOpen) : rateColour(g.on_time_rate));
  const label = (g: GridFigure) => (metric === "open" ? String(g.open) : percent(g.on_time_rate, 0));
  return (
    <section class="dash-panel dash-map" data-testid="dash-map" data-metric={metric}>
      <div class="dash-panel-head">
        <h2>{w("map.title")}</h2>
        <div class="dash-toggle" role="group" aria-label={w("map.title")}>
          {(["open", "on_time"] as const).map((m) => (
            <button key={m} type="button" class={m === metric ? "active" : ""} aria-pressed={m === metric}
              data-testid={`map-metric-${m}`} onClick={() => onMetric(m)}>
              {w(m === "open" ? "map.open" : "map.on_time")}
            </button>
          ))}
        </div>
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={w("map.title")} class="dash-map-svg">
        {drawn.map((g) => {
          const ring = g.boundary!.coordinates[0];
          const [cx, cy] = project([ringCentre(ring)]).split(",").map(Number);
          return (
            <g key={g.id} class="dash-map-grid" data-testid={`map-grid-${g.id}`} data-fill={fill(g)}
              onClick={() => onPick(g)} role="button" tabIndex={0}
              onKeyDown={(e) => (e.key === "Enter" ? onPick(g) : undefined)}>
              <polygon points={project(ring)} fill={fill(g)} />
              <text x={cx} y={cy - 4} text-anchor="middle" class="dash-map-name">{g.name}</text>
              <text x={cx} y={cy + 14} text-anchor="middle" class="dash-map-value">{label(g)}</text>
              <title>{`${g.name}: ${w("map.open")} ${g.open}, ${w("map.on_time")} ${percent(g.on_time_rate)}`}</title>
            </g>
          );
        })}
      </svg>
      <p class="dash-legend">
        {metric === "open" ? (
          <>
            <span><i style={{ background: heat(0, 1) }} /> {w("map.legend.low")}</span>
            <span><i style={{ background: heat(1, 1) }} /> {w("map.legend.high")} ({maxOpen})</span>
          </>
        ) : (
          <>
            <span><i style={{ background: rateColour(0) }} /> 0%</span>
            <span><i style={{ background: rateColour(0.5) }} /> 50%</span>
            <span><i style={{ background: rateColour(1) }} /> 100%</span>
            <span><i style={{ background: rateColour(null) }} /> {w("map.no_data")}</span>
          </>
        )}
      </p>
    </section>
  );
}
