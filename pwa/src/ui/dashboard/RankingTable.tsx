/** The ranking with its 骏马 / 蜗牛 flags and the measures that put each unit there. */

import { formatNumber } from "../../i18n";
import type { Ranking } from "./data";
import { percent, w } from "./words";

const FLAG_ICON = { horse: "🐎", snail: "🐌" } as const;

export function RankingTable({ ranking, onPick }: { ranking: Ranking; onPick?: (id: number) => void }) {
  return (
    <section class="dash-panel dash-ranking" data-testid="dash-ranking">
      <h2>{w(ranking.unit === "street" ? "ranking.title.street" : "ranking.title")}</h2>
      {ranking.items.length ? (
        <table class="dash-table">
          <thead>
            <tr>
              <th>{w("ranking.rank")}</th>
              <th>{w("ranking.name")}</th>
              <th>{w("ranking.score")}</th>
              {ranking.weights.map((m) => (
                <th key={m.measure} title={`× ${m.weight}`}>{m.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {ranking.items.map((u) => (
              <tr key={u.id} data-testid={`ranking-row-${u.id}`} data-flag={u.flag ?? ""}
                class={u.flag ? `flag-${u.flag}` : ""}>
                <td>{u.rank ?? "—"}</td>
                <td>
                  {onPick && ranking.unit === "grid" ? (
                    <a href="#" onClick={(e) => { e.preventDefault(); onPick(u.id); }}>{u.name}</a>
                  ) : u.name}
                  {u.flag ? (
                    <span class={`dash-flag dash-flag-${u.flag}`} data-testid={`flag-${u.flag}-${u.id}`}>
                      {FLAG_ICON[u.flag]} {u.flag_label}
                    </span>
                  ) : null}
                </td>
                <td class="num">{u.score === null ? "—" : formatNumber(u.score, undefined, { maximumFractionDigits: 1 })}</td>
                {ranking.weights.map((m) => (
                  <td key={m.measure} class="num">{percent(u.measures[m.measure] ?? null, 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="hint">{w("ranking.none")}</p>
      )}
    </section>
  );
}
