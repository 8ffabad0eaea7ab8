/** The smaller panels: where problems were solved, open tickets by colour, the top problems. */

import type { Stats } from "./data";
import { percent, w } from "./words";

const COLOUR = { green: "#16a34a", yellow: "#eab308", orange: "#f97316", red: "#dc2626" } as Record<string, string>;

export function Breakdown({ stats }: { stats: Stats }) {
  return (
    <section class="dash-panel dash-breakdown" data-testid="dash-breakdown">
      <h2>{w("levels.title")}</h2>
      <ul class="dash-bars">
        {stats.levels.map((l) => (
          <li key={l.level} data-testid={`level-${l.level}`}>
            <span>{l.label}</span>
            <span class="dash-bar"><i style={{ width: `${Math.round((l.share ?? 0) * 100)}%` }} /></span>
            <span class="num">{l.count} · {percent(l.share, 0)}</span>
          </li>
        ))}
      </ul>
      <h2>{w("colors.title")}</h2>
      <p class="dash-colours">
        {stats.open_by_color.map((c) => (
          <span key={c.color} data-testid={`open-${c.color}`}>
            <i style={{ background: COLOUR[c.color] }} /> {c.label} <strong>{c.count}</strong>
          </span>
        ))}
      </p>
      <h2>{w("categories.title")}</h2>
      <ol class="dash-categories">
        {stats.top_categories.map((c) => (
          <li key={c.category}>
            <strong>{c.label}</strong> {c.count}
            <span class="sub"> · {w("categories.week", { n: c.this_week, m: c.last_week })}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
