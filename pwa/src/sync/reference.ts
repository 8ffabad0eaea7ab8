/**
 * Reference data the phone keeps for offline use: who I am and my beat
 * (/api/me), the category catalogue, and the conflicts the server holds.
 */

import { META, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import type { ApiClient } from "./api";

export interface Place {
  id: number | string;
  name: string;
  kind: string;
}
export interface Checkpoint {
  id: number | string;
  name: string;
  lat: number;
  lon: number;
  radius_m: number;
}
export interface Beat {
  id: string;
  name: string;
  places: Place[];
  checkpoints: Checkpoint[];
  responsibilities: string[];
}
export interface Me {
  user: { id: string | number; username: string; display_name?: string; role?: string; team_role?: string };
  grid: { id: number; name: string; code: string } | null;
  team: { id?: string; name?: string } | null;
  beat: Beat | null;
}

export interface Subcategory {
  code: string;
  name_zh: string;
  name_en: string;
}
export interface Category extends Subcategory {
  icon?: string;
  subcategories: Subcategory[];
}

/** Built-in catalogue for the very first offline start, before /api/catalogue was ever reached. */
export const FALLBACK_CATEGORIES: Category[] = [
  ["city_appearance", "市容环境", "City appearance", "🏙️"],
  ["sanitation", "环境卫生", "Sanitation", "🗑️"],
  ["public_order", "社会治安", "Public order", "🛡️"],
  ["public_safety", "公共安全/消防", "Public safety / fire", "🧯"],
  ["traffic_parking", "交通与停车", "Traffic and parking", "🚗"],
  ["illegal_construction", "违法建设", "Illegal construction", "🏗️"],
  ["disputes_noise", "矛盾纠纷与噪音", "Disputes and noise", "📢"],
  ["livelihood", "民生服务", "Livelihood services", "🤝"],
  ["facilities_damage", "设施损坏", "Facilities damage", "🛠️"],
].map(([code, name_zh, name_en, icon]) => ({ code, name_zh, name_en, icon, subcategories: [] }));

/** Stores a value unless it is what is stored already: screens reading it are not redrawn for nothing. */
async function keep(d: GridwalkDB, key: string, value: unknown): Promise<void> {
  const stored = await getMeta(d, key);
  if (stored === undefined || JSON.stringify(stored) !== JSON.stringify(value)) await setMeta(d, key, value);
}

export async function refreshMe(d: GridwalkDB, api: ApiClient): Promise<Me> {
  const me = await api.json<Me>("/me");
  await keep(d, META.me, me);
  return me;
}

export async function refreshCatalogue(d: GridwalkDB, api: ApiClient): Promise<Category[]> {
  const body = await api.json<{ categories: Category[]; departments?: Department[] }>("/catalogue");
  if (Array.isArray(body.categories) && body.categories.length) await keep(d, META.catalogue, body.categories);
  if (Array.isArray(body.departments)) await keep(d, META.departments, body.departments);
  return body.categories;
}

/** A department tickets are dispatched to, with the categories it handles. */
export interface Department {
  id: number;
  code: string;
  name: string;
  name_en: string;
  categories: string[];
}

/** The district's departments as last fetched (none before the first sync). */
export async function departments(d: GridwalkDB): Promise<Department[]> {
  return (await getMeta<Department[]>(d, META.departments)) ?? [];
}

export async function refreshConflicts(d: GridwalkDB, api: ApiClient): Promise<number> {
  const body = await api.json<{ conflicts: Record<string, unknown>[] }>("/conflicts");
  const rows = (body.conflicts ?? []).map((c, i) => ({
    id: String(c.id ?? `${c.entity}:${c.entity_id}:${c.field}:${i}`),
    entity: c.entity as string | undefined,
    entity_id: c.entity_id as string | undefined,
    field: c.field as string | undefined,
    raw: c,
  }));
  await d.transaction("rw", d.conflicts, async () => {
    if (JSON.stringify(await d.conflicts.toArray()) === JSON.stringify([...rows].sort((a, b) => (a.id < b.id ? -1 : 1)))) return;
    await d.conflicts.clear();
    await d.conflicts.bulkPut(rows);
  });
  return rows.length;
}

export interface TeamMember {
  username: string;
  display_name: string;
  role: string;
  team_role?: string | null;
}
export interface Team {
  grid: { id: number; code: string; name: string };
  members: TeamMember[];
}

/** The grid's team by display name (GET /api/team), kept for offline screens. */
export async function refreshTeam(d: GridwalkDB, api: ApiClient): Promise<Team> {
  const team = await api.json<Team>("/team");
  await keep(d, META.team, team);
  return team;
}

/** The cached team, or an empty one before it was ever fetched. */
export async function teamMembers(d: GridwalkDB): Promise<TeamMember[]> {
  return (await getMeta<Team>(d, META.team))?.members ?? [];
}

/** A person as screens show them: the display name, never the username (which stays the id in the API). */
export function displayName(members: readonly TeamMember[], username: unknown): string {
  if (typeof username !== "string" || !username) return "";
  return members.find((m) => m.username === username)?.display_name || username;
}

/** The catalogue to show: the cached server copy, else the built-in one. */
export async function categories(d: GridwalkDB): Promise<Category[]> {
  return (await getMeta<Category[]>(d, META.catalogue)) ?? FALLBACK_CATEGORIES;
}
