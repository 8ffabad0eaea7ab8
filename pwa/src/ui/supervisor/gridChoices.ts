/** Which grid a queued hotline case may go to: the grids of its street, nearest first. */

import { distanceM } from "../../geo/position";
import type { GridName } from "../../sync/desk";
import type { QueuedCase } from "../../sync/intake";

/** A grid a case may go to, with how far its centre is from the case's point (null when it has no centre). */
export interface GridChoice {
  grid: GridName;
  distanceM: number | null;
}

/**
 * The grids of the case's street, nearest centre first (grids without a
 * centre last, by name): the first is the one to suggest. The case lies in no
 * grid, so the nearest centre is a guess the supervisor confirms.
 */
export function gridChoices(c: Pick<QueuedCase, "lat" | "lon" | "street_id">, grids: readonly GridName[]): GridChoice[] {
  return grids
    .filter((g) => c.street_id == null || g.street_id === c.street_id)
    .map((grid) => ({
      grid,
      distanceM: grid.center_lat != null && grid.center_lon != null ? distanceM(c, { lat: grid.center_lat, lon: grid.center_lon }) : null,
    }))
    .sort((a, b) => (a.distanceM ?? Infinity) - (b.distanceM ?? Infinity) || a.grid.name.localeCompare(b.grid.name));
}
