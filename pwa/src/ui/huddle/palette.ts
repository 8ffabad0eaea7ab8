/** Colours that tell clusters apart on the map and on their cards (distinguishable, readable on white). */
export const PALETTE = ["#dc2626", "#2563eb", "#d97706", "#7c3aed", "#059669", "#db2777", "#0891b2", "#65a30d"];

/** A soft colour per team member's beat. */
export function memberColour(index: number): string {
  return `hsl(${(index * 57 + 170) % 360} 60% 55%)`;
}
