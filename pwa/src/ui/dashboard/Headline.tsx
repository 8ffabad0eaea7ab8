/** The headline numbers, each with the period before for comparison. */

import type { MeasureRow } from "./data";
import { measureText, w } from "./words";

/** The measures shown as headline cards, in this order. */
export const HEADLINE = ["found", "opened", "closed", "open_overdue", "closing_rate", "on_time_rate",
  "first_time_rate", "rework_rate"];

function trend(m: MeasureRow): "up" | "down" | "flat" | null {
  if (m.value === null || m.previous === null) return null;
  if (Math.abs(m.value - m.previous) < 1e-9) return "flat";
  return m.value > m.previous ? "up" : "down";
}

export function Headline({ measures }: { measures: MeasureRow[] }) {
  const byKey = new Map(measures.map((m) => [m.key, m]));
  return (
    <section class="dash-panel dash-headline" data-testid="dash-headline" aria-label={w("headline.title")}>
      {HEADLINE.map((key) => byKey.get(key)).filter((m): m is MeasureRow => !!m).map((m) => {
        const direction = trend(m);
        const good = direction === null || direction === "flat" ? "" : (direction === "up") === m.higher_is_better ? "good" : "bad";
        return (
          <div key={m.key} class="dash-number" data-testid={`measure-${m.key}`} title={m.doc}>
            <span class="dash-number-label">{m.label}</span>
            <strong class="dash-number-value" data-testid={`measure-${m.key}-value`}>{measureText(m.value, m.rate)}</strong>
            {m.rate && m.denominator !== null ? (
              <span class="dash-number-parts">{m.numerator} / {m.denominator}</span>
            ) : null}
            <span class={`dash-number-prev ${good}`}>
              {direction === "up" ? "▲ " : direction === "down" ? "▼ " : ""}
              {w("headline.previous", { v: measureText(m.previous, m.rate) })}
            </span>
          </div>
        );
      })}
    </section>
  );
}
