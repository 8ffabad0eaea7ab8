/**
 * Log in, log out, and who the phone belongs to.
 *
 * The session (tokens and user) lives in Dexie so the app opens offline as the
 * last user and the service worker can sync with it. Logging back in as the
 * same user keeps the outbox and flushes it; another user may only take over a
 * phone whose outbox is empty (or after explicitly discarding it), so nobody's
 * records are sent under someone else's name. A device id belongs to the user
 * who first logged in with it, so another user's log-in makes a new one
 * (`onNewDeviceId` hears of it).
 */

import { replaceDeviceId } from "../db/device";
import { DESK_PREFIX, HUDDLE_PREFIX, META, deleteMeta, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import { ApiError, type ApiClient, type Session, type SessionUser } from "./api";

export const LAST_USER = "last_user";

export class OtherUserDataError extends Error {
  constructor(readonly previous: string, readonly pending: number) {
    super(`unsynced records of ${previous}`);
  }
}

/** Clears everything that belongs to the previous user (not the device id or the language). */
export async function wipeUserData(d: GridwalkDB): Promise<void> {
  await d.transaction("rw", [d.records, d.outbox, d.photos, d.conflicts, d.meta], async () => {
    await Promise.all([d.records.clear(), d.outbox.clear(), d.photos.clear(), d.conflicts.clear()]);
    for (const key of [META.cursor, META.me, META.lastSync, META.lastSyncError, META.team, LAST_USER]) await deleteMeta(d, key);
    for (const key of [META.people, META.notifications, META.outcomes]) await deleteMeta(d, key);
    await d.meta.where("key").startsWith(HUDDLE_PREFIX).delete();
    await d.meta.where("key").startsWith(DESK_PREFIX).delete();
    await d.meta.where("key").startsWith("huddle-draft:").delete();
  });
}

export async function login(
  d: GridwalkDB,
  api: ApiClient,
  deviceId: string,
  username: string,
  password: string,
  opts: { discardOtherUser?: boolean; onNewDeviceId?: (id: string) => void } = {},
): Promise<Session> {
  const previous = await getMeta<SessionUser>(d, LAST_USER);
  const sameUser = !previous || previous.username === username;
  if (!sameUser && !opts.discardOtherUser) {
    const pending = await d.outbox.count();
    if (pending > 0) throw new OtherUserDataError(previous!.username, pending);
  }
  const post = (id: string) =>
    api.request("/auth/login", { method: "POST", auth: false, json: { username, password, device_id: id } });
  let res = await post(deviceId);
  if (!res.ok) {
    const error = await errorOf(res);
    if (error.code !== "device_in_use") throw error;
    // The id belongs to whoever first logged in on this phone: this user gets
    // one of their own, taken up before the session is stored (the app starts
    // syncing as soon as it is).
    const fresh = await replaceDeviceId(d);
    opts.onNewDeviceId?.(fresh);
    res = await post(fresh);
    if (!res.ok) throw await errorOf(res);
  }
  const body = (await res.json()) as { access_token: string; refresh_token: string; user: SessionUser };
  if (!sameUser) await wipeUserData(d);
  const session: Session = { user: body.user, access_token: body.access_token, refresh_token: body.refresh_token };
  await setMeta(d, META.session, session);
  await setMeta(d, LAST_USER, body.user);
  return session;
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = "";
  try {
    const body = await res.json();
    // Stryker disable next-line OptionalChaining: a missing body or error throws inside this try, which keeps the status code all the same
    code = body?.error?.code ?? code;
    message = body?.error?.message ?? "";
  } catch {
    // keep the status code
  }
  return new ApiError(res.status, code, message);
}

/** Ends the session on this phone. Unsynced records stay and go out at the same user's next log-in. */
export async function logout(d: GridwalkDB, api: ApiClient): Promise<void> {
  const session = await getMeta<Session>(d, META.session);
  if (session && !session.needsRelogin) {
    try {
      await api.request("/auth/logout", { method: "POST" });
    } catch {
      // Offline: the server-side token simply expires.
    }
  }
  await deleteMeta(d, META.session);
}
