/**
 * The admin's intake API keys (GET/POST /api/intake/keys…): the keys outside
 * systems such as the 12345 hotline hand cases in with. Issued and revoked
 * online, audited on the server; only the admin screens use this module.
 */

import type { ApiClient } from "./api";

/** An intake API key as GET /api/intake/keys lists it: never the key, only its first characters. */
export interface IntakeKey {
  id: number;
  account: string;
  account_name?: string;
  name: string;
  prefix: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The answer to issuing a key: the key itself, shown this once. */
export interface IssuedKey extends IntakeKey {
  key: string;
}

export interface NewKey {
  /** The intake account's code, e.g. hotline-12345 (made if new). */
  account: string;
  account_name?: string;
  name: string;
}

/** Every intake key, oldest first. */
export function listIntakeKeys(api: ApiClient): Promise<IntakeKey[]> {
  return api.json<IntakeKey[]>("/intake/keys");
}

/** Issues a key to an account (made if new); the answer holds the key, which the server never shows again. */
export function issueIntakeKey(api: ApiClient, body: NewKey): Promise<IssuedKey> {
  return api.json<IssuedKey>("/intake/keys", { method: "POST", json: body });
}

/** Revokes a key: Open311 refuses its holder (403) from now on. */
export function revokeIntakeKey(api: ApiClient, id: number): Promise<IntakeKey> {
  return api.json<IntakeKey>(`/intake/keys/${id}/revoke`, { method: "POST" });
}
