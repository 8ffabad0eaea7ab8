/**
 * The changes a screen can make, each written as a mutation to the outbox.
 * Nothing here touches the network; the scheduler sends them later.
 */

import type { GridwalkDB } from "../db/schema";
import { correctedNow } from "./clock";
import { uuid, type JsonObject } from "./mutation";
import { enqueue } from "./outbox";

export interface ReportDraft {
  grid_id: number | null;
  category: string;
  subcategory?: string | null;
  description: string;
  lat?: number | null;
  lon?: number | null;
  accuracy_m?: number | null;
  place?: string | null;
  severity: 1 | 2 | 3;
  photos: string[];
  after_photos: string[];
  tags?: string[];
  status: "open" | "solved_on_site" | "needs_handoff";
}

async function nowIso(d: GridwalkDB, node: string): Promise<string> {
  return new Date(await correctedNow(d, node)).toISOString();
}

/** Leaves out fields the user did not fill in: the server treats a missing field as empty, but validates a "" (a phone number pattern, say). */
export function compact(o: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(typeof v === "string" && v.trim() === "")));
}

/** Files a new report; resolves with its id once it is on the phone. */
export async function createReport(d: GridwalkDB, node: string, draft: ReportDraft): Promise<string> {
  const id = uuid();
  const data = compact({ ...draft, tags: draft.tags ?? [], device_time: await nowIso(d, node) });
  await enqueue(d, node, { entity: "report", entity_id: id, op: "create", data });
  return id;
}

/** Edits scalar fields and adds/removes photos of a report. */
export async function updateReport(
  d: GridwalkDB,
  node: string,
  id: string,
  changes: JsonObject,
): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await enqueue(d, node, { entity: "report", entity_id: id, op: "update", data: changes });
}

/** A state transition of a report: solve (with after photos), handoff, reopen. */
export async function transitionReport(
  d: GridwalkDB,
  node: string,
  id: string,
  op: "solve" | "handoff" | "reopen",
  data: JsonObject = {},
): Promise<void> {
  await enqueue(d, node, { entity: "report", entity_id: id, op, data });
}

export async function deleteRecord(d: GridwalkDB, node: string, entity: string, id: string): Promise<void> {
  await enqueue(d, node, { entity, entity_id: id, op: "delete" });
}

export interface CheckinDraft {
  grid_id: number | null;
  lat?: number | null;
  lon?: number | null;
  accuracy_m?: number | null;
  checkpoint_id?: number | string | null;
  note?: string;
  photos: string[];
}

export async function createCheckin(d: GridwalkDB, node: string, draft: CheckinDraft): Promise<string> {
  const id = uuid();
  await enqueue(d, node, {
    entity: "checkin",
    entity_id: id,
    op: "create",
    data: compact({ ...draft, at: await nowIso(d, node) }),
  });
  return id;
}

export interface VisitDraft {
  grid_id: number | null;
  place_kind: "household" | "shop";
  place: string;
  people_met?: number | null;
  contact_name?: string;
  contact_phone?: string;
  needs?: string;
  notes?: string;
  follow_up: boolean;
  photos: string[];
}

export async function createVisit(d: GridwalkDB, node: string, draft: VisitDraft): Promise<string> {
  const id = uuid();
  await enqueue(d, node, {
    entity: "visit",
    entity_id: id,
    op: "create",
    data: compact({ ...draft, visited_at: await nowIso(d, node) }),
  });
  return id;
}
