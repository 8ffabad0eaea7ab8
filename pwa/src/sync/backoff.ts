/** Exponential backoff with jitter for failed syncs. */

export const BASE_DELAY_MS = 5_000;
export const MAX_DELAY_MS = 5 * 60_000;

/** The wait before the next try after `failures` consecutive failures (0 = no failure). */
export function backoffDelay(
  failures: number,
  random: () => number = Math.random,
  base = BASE_DELAY_MS,
  max = MAX_DELAY_MS,
): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(max, base * 2 ** Math.min(failures - 1, 20));
  // "Equal jitter": half fixed, half random, so a district's phones coming back
  // online together do not all retry in the same second.
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
