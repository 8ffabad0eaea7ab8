/**
 * The admin's set-up calls (GET/POST/PATCH /api/admin/…). Organisation data
 * (users, grids, teams, departments, devices) is not a synced entity: these
 * writes go straight to the server, online, and each is audited there. Only
 * this module calls them; the admin screens use it.
 */

import type { ApiClient } from "./api";

export interface AdminUser {
  id: number;
  username: string;
  display_name: string;
  phone: string | null;
  role: string;
  team_role: string | null;
  district_id: number | null;
  street_id: number | null;
  grid_id: number | null;
  team_id: number | null;
  department_id: number | null;
  active: boolean;
}

export interface AdminGrid {
  id: number;
  community_id: number;
  street_id: number;
  code: string;
  name: string;
  kind: string;
}

export interface AdminTeam {
  id: number;
  grid_id: number;
  name: string;
  member_ids: number[];
}

export interface AdminDepartment {
  id: number;
  district_id: number;
  code: string;
  name: string;
  name_en: string;
  categories: string[];
}

export interface AdminStreet {
  id: number;
  district_id: number;
  code: string;
  name: string;
}

export interface AdminDevice {
  id: string;
  user_id: number;
  name: string;
  created_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity: string | null;
  entity_id: string | null;
  data: Record<string, unknown> | null;
}

export interface Directory {
  users: AdminUser[];
  grids: AdminGrid[];
  teams: AdminTeam[];
  departments: AdminDepartment[];
  streets: AdminStreet[];
}

const ALL = "?limit=1000";

/** Everything the people and places screens list, in one go. */
export async function loadDirectory(api: ApiClient): Promise<Directory> {
  const [users, grids, teams, departments, streets] = await Promise.all([
    api.json<AdminUser[]>(`/admin/users${ALL}`),
    api.json<AdminGrid[]>(`/admin/grids${ALL}`),
    api.json<AdminTeam[]>(`/admin/teams${ALL}`),
    api.json<AdminDepartment[]>(`/admin/departments${ALL}`),
    api.json<AdminStreet[]>(`/admin/streets${ALL}`),
  ]);
  return { users, grids, teams, departments, streets };
}

export function createUser(api: ApiClient, body: Partial<AdminUser> & { password: string }): Promise<AdminUser> {
  return api.json<AdminUser>("/admin/users", { method: "POST", json: body });
}

/** Changes a user: deactivate or activate, reset the password, move to another grid. */
export function updateUser(api: ApiClient, id: number, body: Partial<AdminUser> & { password?: string }): Promise<AdminUser> {
  return api.json<AdminUser>(`/admin/users/${id}`, { method: "PATCH", json: body });
}

export function createDepartment(api: ApiClient, body: Omit<AdminDepartment, "id">): Promise<AdminDepartment> {
  return api.json<AdminDepartment>("/admin/departments", { method: "POST", json: body });
}

/** A user's devices (or every device, newest first). */
export function listDevices(api: ApiClient, userId?: number): Promise<AdminDevice[]> {
  return api.json<AdminDevice[]>(`/admin/devices${ALL}${userId ? `&user=${userId}` : ""}`);
}

/** Revokes a device: every token of it stops working at once. */
export function revokeDevice(api: ApiClient, deviceId: string): Promise<AdminDevice> {
  return api.json<AdminDevice>(`/admin/devices/${encodeURIComponent(deviceId)}/revoke`, { method: "POST" });
}

/** The set-up changes in the audit trail, newest first. */
export function listAudit(api: ApiClient, limit = 200): Promise<{ items: AuditEntry[]; total: number }> {
  return api.json<{ items: AuditEntry[]; total: number }>(`/admin/audit?limit=${limit}`);
}
