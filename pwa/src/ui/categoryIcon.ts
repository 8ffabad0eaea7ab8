/** An icon for a category: the catalogue's own when it is a glyph, else one per known code. */

const BY_CODE: Record<string, string> = {
  city_appearance: "🏙️",
  sanitation: "🗑️",
  public_order: "🛡️",
  public_safety: "⚠️",
  traffic_parking: "🚗",
  illegal_construction: "🏗️",
  disputes_noise: "📢",
  livelihood: "🤝",
  facilities_damage: "🔧",
};

export function categoryIcon(code: string, icon?: string): string {
  // A glyph is short and not plain ASCII; an icon *name* ("trash") is not drawable here.
  if (icon && icon.length <= 4 && /[^\x20-\x7e]/.test(icon)) return icon;
  return BY_CODE[code] ?? "📋";
}
