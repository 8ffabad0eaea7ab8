/**
 * Who is who: the people the caller may name (GET /api/people), kept for
 * offline screens. Screens show a person's display name, never the username
 * (which stays the stable id in the API, DESIGN.md "Screens").
 */

import { META, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import type { ApiClient } from "./api";
import { teamMembers, type TeamMember } from "./reference";

export interface Person extends TeamMember {
  grid_id?: number | null;
}

/** Fetches the people the server lets this user name, and keeps them. */
export async function refreshPeople(d: GridwalkDB, api: ApiClient): Promise<Person[]> {
  const body = await api.json<{ people: Person[] }>("/people");
  const people = Array.isArray(body.people) ? body.people : [];
  await setMeta(d, META.people, people);
  return people;
}

/** Everyone this device can name: the cached people and the grid's team. */
export async function knownPeople(d: GridwalkDB): Promise<Person[]> {
  const [cached, team] = await Promise.all([getMeta<Person[]>(d, META.people), teamMembers(d)]);
  const byName = new Map<string, Person>();
  for (const p of [...(cached ?? []), ...team]) byName.set(p.username, p);
  return [...byName.values()];
}

/** Adds names learnt elsewhere (a ticket's dossier) to a list of people, as a lookup. */
export function withNames(people: readonly Person[], extra: Readonly<Record<string, string>> | undefined): Person[] {
  if (!extra) return [...people];
  const known = new Set(people.map((p) => p.username));
  const more = Object.entries(extra)
    .filter(([username]) => !known.has(username))
    .map(([username, display_name]) => ({ username, display_name, role: "" }));
  return [...people, ...more];
}
