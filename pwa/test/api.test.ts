import { webcrypto } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { ApiClient, ApiError, type Session } from "../src/sync/api";
import { META, setMeta, getMeta } from "../src/db/meta";
import { enqueue } from "../src/sync/outbox";
import { LAST_USER, OtherUserDataError, login, logout } from "../src/sync/session";
import { deviceId } from "../src/db/device";
import { freshDb } from "./helpers";

let d: GridwalkDB;
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

beforeEach(async () => {
  d = freshDb();
  await setMeta(d, "session", { user: { id: 8, username: "g1-2" }, access_token: "old", refresh_token: "r1" } satisfies Session);
});
afterEach(async () => {
  d.close();
  await d.delete();
});

describe("ApiClient", () => {
  it("refreshes an expired access token once and retries", async () => {
    const calls: string[] = [];
    const api = new ApiClient(d, async (url, init) => {
      const auth = new Headers(init?.headers).get("Authorization");
      calls.push(`${String(url)} ${auth}`);
      if (String(url).endsWith("/auth/refresh")) return json(200, { access_token: "new" });
      if (auth === "Bearer old") return json(401, { error: { code: "token_expired", message: "expired" } });
      return json(200, { ok: true });
    });
    expect(await api.json("/me")).toEqual({ ok: true });
    expect(calls).toEqual(["/api/me Bearer old", "/api/auth/refresh Bearer r1", "/api/me Bearer new"]);
    expect((await getMeta<Session>(d, "session"))?.access_token).toBe("new");
  });

  it("a refused refresh asks for a new log-in and keeps the outbox", async () => {
    await enqueue(d, "dev-1", { entity: "report", entity_id: "r1", op: "create", data: {} });
    const api = new ApiClient(d, async (url) =>
      String(url).endsWith("/auth/refresh")
        ? json(401, { error: { code: "device_revoked", message: "revoked" } })
        : json(401, { error: { code: "token_expired", message: "expired" } }),
    );
    await expect(api.json("/sync/pull")).rejects.toBeInstanceOf(ApiError);
    const session = await getMeta<Session>(d, "session");
    expect(session?.needsRelogin).toBe(true);
    expect(session?.reloginReason).toBe("device_revoked");
    expect(await d.outbox.count()).toBe(1);
    // No more requests until the user logs in again.
    await expect(api.json("/sync/pull")).rejects.toMatchObject({ code: "relogin_required" });
  });

  it("turns a network failure into a transient ApiError", async () => {
    const api = new ApiClient(d, async () => {
      throw new TypeError("Failed to fetch");
    });
    const err = (await api.json("/me").catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("network");
    expect(err.transient).toBe(true);
  });
});

describe("login", () => {
  const server = async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body ?? "{}"));
    if (body.password !== "pw") return json(401, { error: { code: "invalid_credentials", message: "no" } });
    return json(200, { access_token: "a", refresh_token: "r", user: { id: 1, username: body.username } });
  };

  it("logging back in as the same user keeps the outbox", async () => {
    await setMeta(d, LAST_USER, { id: 8, username: "g1-2" });
    await enqueue(d, "dev-1", { entity: "report", entity_id: "r1", op: "create", data: {} });
    await setMeta(d, "session", { user: { id: 8, username: "g1-2" }, access_token: "x", refresh_token: "y", needsRelogin: true });
    const api = new ApiClient(d, server);
    await login(d, api, "dev-1", "g1-2", "pw");
    expect(await d.outbox.count()).toBe(1);
    expect((await getMeta<Session>(d, "session"))?.needsRelogin).toBeFalsy();
  });

  it("another user cannot take over unsynced records unless they are discarded", async () => {
    await setMeta(d, LAST_USER, { id: 8, username: "g1-2" });
    await enqueue(d, "dev-1", { entity: "report", entity_id: "r1", op: "create", data: {} });
    const api = new ApiClient(d, server);
    await expect(login(d, api, "dev-1", "g1-3", "pw")).rejects.toBeInstanceOf(OtherUserDataError);
    expect(await d.outbox.count()).toBe(1);
    await login(d, api, "dev-1", "g1-3", "pw", { discardOtherUser: true });
    expect(await d.outbox.count()).toBe(0);
    expect((await getMeta<{ username: string }>(d, LAST_USER))?.username).toBe("g1-3");
  });

  it("wrong credentials throw the server's code", async () => {
    const api = new ApiClient(d, server);
    await expect(login(d, api, "dev-1", "g1-2", "bad")).rejects.toMatchObject({ code: "invalid_credentials" });
  });

  describe("a device id belongs to the user who registered it", () => {
    /** A server that keeps who registered each device id and refuses it to anyone else. */
    const registry = () => {
      const owners = new Map<string, string>();
      const fetcher = async (_url: RequestInfo | URL, init?: RequestInit) => {
        const body = JSON.parse(String(init?.body ?? "{}"));
        if (body.password !== "pw") return json(401, { error: { code: "invalid_credentials", message: "no" } });
        const owner = owners.get(body.device_id);
        if (owner && owner !== body.username) return json(409, { error: { code: "device_in_use", message: "taken" } });
        owners.set(body.device_id, body.username);
        return json(200, { access_token: "a", refresh_token: "r", user: { id: 1, username: body.username } });
      };
      return { owners, fetcher };
    };

    it("another user's log-in on this phone makes and uses a new device id", async () => {
      const { owners, fetcher } = registry();
      const api = new ApiClient(d, fetcher);
      await setMeta(d, META.deviceId, "dev-1");
      await login(d, api, "dev-1", "g1-2", "pw");
      const announced: string[] = [];
      await login(d, api, "dev-1", "g1-3", "pw", { onNewDeviceId: (id) => announced.push(id) });
      const fresh = await deviceId(d);
      expect(fresh).not.toBe("dev-1");
      expect(announced).toEqual([fresh]);
      expect(owners.get("dev-1")).toBe("g1-2");
      expect(owners.get(fresh)).toBe("g1-3");
      expect((await getMeta<Session>(d, "session"))?.user.username).toBe("g1-3");
    });

    it("a wrong password keeps the device id", async () => {
      const { fetcher } = registry();
      const api = new ApiClient(d, fetcher);
      await setMeta(d, META.deviceId, "dev-1");
      await login(d, api, "dev-1", "g1-2", "pw");
      await expect(login(d, api, "dev-1", "g1-3", "bad")).rejects.toMatchObject({ code: "invalid_credentials" });
      expect(await deviceId(d)).toBe("dev-1");
    });
  });
});

describe("device id", () => {
  it("a stored id that cannot name a device (the server's node, a malformed one) is replaced", async () => {
    for (const stored of ["server", "SERVER", "Server", "bad:id", ""]) {
      await setMeta(d, META.deviceId, stored);
      const id = await deviceId(d);
      expect(id).not.toBe(stored);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("a usable stored id is kept", async () => {
    await setMeta(d, META.deviceId, "phone-0001");
    expect(await deviceId(d)).toBe("phone-0001");
  });
});

/** A fetch that records what the client sent and answers from `answer`. */
function recording(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const sent: { url: string; method: string; auth: string | null; type: string | null; cache?: string; body: unknown }[] = [];
  const fetchImpl = async (url: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    sent.push({ url: String(url), method: init.method ?? "", auth: headers.get("Authorization"), type: headers.get("Content-Type"), cache: init.cache, body: init.body });
    return answer(String(url), init);
  };
  return { sent, fetchImpl };
}

describe("what a request carries", () => {
  it("sends the access token, JSON bodies and no cached answers", async () => {
    const { sent, fetchImpl } = recording(() => json(200, {}));
    const api = new ApiClient(d, fetchImpl);
    await api.json("/me");
    await api.json("/sync/push", { method: "POST", json: { a: 1 } });
    await api.request("/auth/login", { method: "POST", auth: false, json: {} });
    expect(sent).toEqual([
      { url: "/api/me", method: "GET", auth: "Bearer old", type: null, cache: "no-store", body: undefined },
      { url: "/api/sync/push", method: "POST", auth: "Bearer old", type: "application/json", cache: "no-store", body: '{"a":1}' },
      { url: "/api/auth/login", method: "POST", auth: null, type: "application/json", cache: "no-store", body: "{}" },
    ]);
  });

  it("is not sent at all without a session, or while a new log-in is needed", async () => {
    const { sent, fetchImpl } = recording(() => json(200, {}));
    const api = new ApiClient(d, fetchImpl);
    await d.meta.delete(META.session);
    await expect(api.json("/me")).rejects.toMatchObject({ status: 401, code: "not_logged_in", message: "not logged in" });
    await expect(api.refresh()).rejects.toMatchObject({ status: 401, code: "not_logged_in", message: "not logged in" });
    await setMeta(d, META.session, { user: { id: 8, username: "g1-2" }, access_token: "a", refresh_token: "r", needsRelogin: true });
    await expect(api.json("/me")).rejects.toMatchObject({ status: 401, code: "relogin_required", message: "relogin_required" });
    expect(sent).toEqual([]);
  });
});

describe("errors", () => {
  it("read the server's code and message, or fall back to the HTTP status", async () => {
    const answers = [
      json(404, { error: { code: "not_found", message: "no such report" } }),
      json(400, { error: { code: "validation_error" } }),
      json(400, { detail: "x" }),
      new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    ];
    const api = new ApiClient(d, async () => answers.shift()!);
    await expect(api.json("/a")).rejects.toMatchObject({ status: 404, code: "not_found", message: "no such report" });
    const partial = (await api.json("/b").catch((e: unknown) => e)) as ApiError;
    expect(partial).toMatchObject({ status: 400, code: "validation_error", name: "ApiError" });
    expect(partial.message).toBe("validation_error");
    await expect(api.json("/c")).rejects.toMatchObject({ status: 400, code: "http_400" });
    await expect(api.json("/d")).rejects.toMatchObject({ status: 502, code: "http_502", message: "Bad Gateway" });
  });

  it("say which failures are worth retrying later", () => {
    for (const status of [0, 429, 500, 503]) expect(new ApiError(status, "x", "").transient, String(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 499]) expect(new ApiError(status, "x", "").transient, String(status)).toBe(false);
  });

  it("let a cancelled request stay a cancellation", async () => {
    const abort = new DOMException("aborted", "AbortError");
    const api = new ApiClient(d, async () => Promise.reject(abort));
    await expect(api.request("/me")).rejects.toBe(abort);
  });

  it("name a network failure even when it comes without a message", async () => {
    const api = new ApiClient(d, async () => Promise.reject(undefined));
    await expect(api.request("/me")).rejects.toMatchObject({ status: 0, code: "network", message: "network error" });
    await expect(api.refresh()).rejects.toMatchObject({ status: 0, code: "network", message: "network error" });
    const withMessage = new ApiClient(d, async () => Promise.reject(new TypeError("Failed to fetch")));
    await expect(withMessage.refresh()).rejects.toMatchObject({ status: 0, code: "network", message: "Failed to fetch" });
    expect((await getMeta<Session>(d, META.session))?.needsRelogin).toBeFalsy();
  });
});

describe("an answer of 401", () => {
  it("refreshes for an invalid token too", async () => {
    const { sent, fetchImpl } = recording((url, init) => {
      if (url.endsWith("/auth/refresh")) return json(200, { access_token: "new" });
      return new Headers(init.headers).get("Authorization") === "Bearer old" ? json(401, { error: { code: "invalid_token" } }) : json(200, {});
    });
    await new ApiClient(d, fetchImpl).json("/me");
    expect(sent.map((s) => `${s.url} ${s.auth}`)).toEqual(["/api/me Bearer old", "/api/auth/refresh Bearer r1", "/api/me Bearer new"]);
  });

  it("for a revoked token asks for a new log-in without trying a refresh", async () => {
    const { sent, fetchImpl } = recording(() => json(401, { error: { code: "token_revoked", message: "" } }));
    const res = await new ApiClient(d, fetchImpl).request("/me");
    expect(res.status).toBe(401);
    expect(sent).toHaveLength(1);
    expect(await getMeta<Session>(d, META.session)).toMatchObject({ needsRelogin: true, reloginReason: "token_revoked" });
  });

  it("for anything else is the caller's to read, and keeps the session", async () => {
    const { sent, fetchImpl } = recording(() => json(401, { error: { code: "wrong_password", message: "" } }));
    expect((await new ApiClient(d, fetchImpl).request("/auth/confirm")).status).toBe(401);
    expect(sent).toHaveLength(1);
    expect((await getMeta<Session>(d, META.session))?.needsRelogin).toBeFalsy();
  });

  it("after a refresh asks for a new log-in only when the token was refused for good", async () => {
    for (const [code, relogin] of [["device_revoked", true], ["wrong_password", false]] as const) {
      await setMeta(d, META.session, { user: { id: 8, username: "g1-2" }, access_token: "old", refresh_token: "r1" });
      const { fetchImpl } = recording((url, init) => {
        if (url.endsWith("/auth/refresh")) return json(200, { access_token: "new" });
        return new Headers(init.headers).get("Authorization") === "Bearer old" ? json(401, { error: { code: "token_expired" } }) : json(401, { error: { code } });
      });
      expect((await new ApiClient(d, fetchImpl).request("/me")).status).toBe(401);
      expect((await getMeta<Session>(d, META.session))?.needsRelogin ?? false, code).toBe(relogin);
    }
  });

  it("keeps the first reason a new log-in was asked for", async () => {
    const api = new ApiClient(d, async () => json(200, {}));
    await api.requireRelogin("device_revoked");
    await api.requireRelogin("token_expired");
    expect((await getMeta<Session>(d, META.session))?.reloginReason).toBe("device_revoked");
    await d.meta.delete(META.session);
    await api.requireRelogin("token_expired");
    expect(await getMeta(d, META.session)).toBeUndefined();
  });
});

describe("refreshing the access token", () => {
  it("happens once for requests that expire together, and again at the next expiry", async () => {
    let refreshes = 0;
    const api = new ApiClient(d, async (url, init) => {
      if (String(url).endsWith("/auth/refresh")) return json(200, { access_token: `new${++refreshes}` });
      const auth = new Headers(init?.headers).get("Authorization");
      return auth === `Bearer new${refreshes}` && refreshes > 0 ? json(200, {}) : json(401, { error: { code: "token_expired" } });
    });
    await Promise.all([api.json("/a"), api.json("/b"), api.json("/c")]);
    expect(refreshes).toBe(1);
    await setMeta(d, META.session, { ...(await getMeta<Session>(d, META.session))!, access_token: "stale" });
    await api.json("/d");
    expect(refreshes).toBe(2);
  });

  it("keeps a rotated refresh token, or the old one when none comes back", async () => {
    const bodies = [{ access_token: "a2", refresh_token: "r2" }, { access_token: "a3" }];
    const api = new ApiClient(d, async () => json(200, bodies.shift()));
    await api.refresh();
    expect(await getMeta<Session>(d, META.session)).toMatchObject({ access_token: "a2", refresh_token: "r2" });
    await api.refresh();
    expect(await getMeta<Session>(d, META.session)).toMatchObject({ access_token: "a3", refresh_token: "r2" });
  });

  it("keeps what changed in the session while it was under way", async () => {
    const api = new ApiClient(d, async () => {
      await setMeta(d, META.session, { user: { id: 8, username: "g1-2", display_name: "王芳" }, access_token: "old", refresh_token: "r1" });
      return json(200, { access_token: "new" });
    });
    await api.refresh();
    expect(await getMeta<Session>(d, META.session)).toMatchObject({ user: { display_name: "王芳" }, access_token: "new" });
  });

  it("asks for a new log-in when refused (401, 422) but not when the server is down", async () => {
    for (const [status, relogin] of [[401, true], [422, true], [503, false]] as const) {
      await setMeta(d, META.session, { user: { id: 8, username: "g1-2" }, access_token: "old", refresh_token: "r1" });
      const api = new ApiClient(d, async () => json(status, { error: { code: `refused_${status}` } }));
      await expect(api.refresh()).rejects.toMatchObject({ status });
      expect((await getMeta<Session>(d, META.session))?.needsRelogin ?? false, String(status)).toBe(relogin);
    }
  });
});

describe("mutation ids", () => {
  it("are random v4 UUIDs, also where crypto.randomUUID is missing (plain-http pages)", async () => {
    const { uuid } = await import("../src/sync/mutation");
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(uuid()).toMatch(v4);
    vi.stubGlobal("crypto", { getRandomValues: (b: Uint8Array) => webcrypto.getRandomValues(b) });
    try {
      const ids = new Set(Array.from({ length: 50 }, () => uuid()));
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id).toMatch(v4);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("logging in and out", () => {
  it("logs in without a token and fails with the second answer when the new device id is refused too", async () => {
    const { sent, fetchImpl } = recording(() => json(409, { error: { code: "device_in_use", message: "taken" } }));
    const answers = [json(409, { error: { code: "device_in_use", message: "taken" } }), new Response("oops", { status: 500 })];
    const api = new ApiClient(d, async (url, init) => (await fetchImpl(url, init), answers.shift()!));
    await expect(login(d, api, "dev-1", "g1-2", "pw")).rejects.toMatchObject({ status: 500, code: "http_500", message: "http_500" });
    expect(sent.map((s) => [s.url, s.method, s.auth])).toEqual([
      ["/api/auth/login", "POST", null],
      ["/api/auth/login", "POST", null],
    ]);
  });

  it("reports a refusal without a message as its code alone", async () => {
    const api = new ApiClient(d, async () => json(403, { error: { code: "account_locked" } }));
    const err = await login(d, api, "dev-1", "g1-2", "pw").catch((e: ApiError) => e);
    expect(err).toMatchObject({ status: 403, code: "account_locked", message: "account_locked" });
    const bare = new ApiClient(d, async () => json(403, { error: null }));
    await expect(login(d, bare, "dev-1", "g1-2", "pw")).rejects.toMatchObject({ code: "http_403" });
  });

  it("names the user whose records are waiting", async () => {
    await setMeta(d, LAST_USER, { id: 8, username: "g1-2" });
    await enqueue(d, "dev-1", { entity: "report", entity_id: "r1", op: "create", data: {} });
    const err = await login(d, new ApiClient(d, async () => json(200, {})), "dev-1", "g1-3", "pw").catch((e: OtherUserDataError) => e);
    expect(err).toMatchObject({ previous: "g1-2", pending: 1, message: "unsynced records of g1-2" });
  });

  it("clears the previous user's data for another user, but not the device id or the language", async () => {
    await setMeta(d, LAST_USER, { id: 8, username: "g1-2" });
    await setMeta(d, META.deviceId, "dev-1");
    await setMeta(d, META.locale, "en");
    for (const key of [META.cursor, META.me, META.lastSync, META.lastSyncError, META.team, META.people, META.notifications, META.outcomes, "huddle:today", "desk:queue", "huddle-draft:1"]) {
      await setMeta(d, key, "x");
    }
    const api = new ApiClient(d, async () => json(200, { access_token: "a", refresh_token: "r", user: { id: 9, username: "g1-3" } }));
    await login(d, api, "dev-1", "g1-3", "pw");
    const keys = (await d.meta.toArray()).map((r) => r.key).sort();
    expect(keys).toEqual([META.deviceId, LAST_USER, META.locale, META.session].sort());
  });

  it("logs out on the server when it can, and forgets the session either way", async () => {
    const { sent, fetchImpl } = recording(() => json(200, {}));
    await logout(d, new ApiClient(d, fetchImpl));
    expect(sent.map((s) => [s.url, s.method, s.auth])).toEqual([["/api/auth/logout", "POST", "Bearer old"]]);
    expect(await getMeta(d, META.session)).toBeUndefined();

    await setMeta(d, META.session, { user: { id: 8, username: "g1-2" }, access_token: "old", refresh_token: "r1" });
    await logout(d, new ApiClient(d, async () => Promise.reject(new TypeError("offline"))));
    expect(await getMeta(d, META.session)).toBeUndefined();

    await setMeta(d, META.session, { user: { id: 8, username: "g1-2" }, access_token: "old", refresh_token: "r1", needsRelogin: true });
    const after = recording(() => json(200, {}));
    await logout(d, new ApiClient(d, after.fetchImpl));
    expect(after.sent).toEqual([]);
    expect(await getMeta(d, META.session)).toBeUndefined();
  });

  it("logs out quietly when nobody is logged in (a second tap on log out)", async () => {
    await logout(d, new ApiClient(d, async () => json(200, {})));
    const again = recording(() => json(200, {}));
    await expect(logout(d, new ApiClient(d, again.fetchImpl))).resolves.toBeUndefined();
    expect(again.sent).toEqual([]);
    expect(await getMeta(d, META.session)).toBeUndefined();
  });
});

describe("more of the client's rules", () => {
  it("uses the page's fetch unless given another", async () => {
    const seen: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => (seen.push(url), json(200, { ok: 1 })));
    try {
      expect(await new ApiClient(d).json("/me")).toEqual({ ok: 1 });
    } finally {
      vi.unstubAllGlobals();
    }
    expect(seen).toEqual(["/api/me"]);
  });

  it("says why a new log-in is needed", async () => {
    await setMeta(d, META.session, { user: { id: 8, username: "g1-2" }, access_token: "a", refresh_token: "r", needsRelogin: true, reloginReason: "device_revoked" });
    await expect(new ApiClient(d, async () => json(200, {})).json("/me")).rejects.toMatchObject({ code: "relogin_required", message: "device_revoked" });
  });

  it("refreshes with a POST that no cache answers", async () => {
    const { sent, fetchImpl } = recording(() => json(200, { access_token: "new" }));
    await new ApiClient(d, fetchImpl).refresh();
    expect(sent).toEqual([{ url: "/api/auth/refresh", method: "POST", auth: "Bearer r1", type: null, cache: "no-store", body: undefined }]);
  });

  it("asks for a new log-in when a refreshed token is still expired or invalid, or the server says so at once", async () => {
    for (const code of ["token_expired", "invalid_token", "relogin_required"]) {
      await setMeta(d, META.session, { user: { id: 8, username: "g1-2" }, access_token: "old", refresh_token: "r1" });
      const { fetchImpl } = recording((url) => (url.endsWith("/auth/refresh") ? json(200, { access_token: "new" }) : json(401, { error: { code } })));
      await new ApiClient(d, fetchImpl).request("/me");
      expect(await getMeta<Session>(d, META.session), code).toMatchObject({ needsRelogin: true, reloginReason: code });
    }
  });

  it("keeps who used the phone last under the name older versions stored it", async () => {
    // An app update must still find the last user, or another could take over their records.
    await setMeta(d, "last_user", { id: 8, username: "g1-2" });
    await enqueue(d, "dev-1", { entity: "report", entity_id: "r1", op: "create", data: {} });
    await expect(login(d, new ApiClient(d, async () => json(200, {})), "dev-1", "g1-3", "pw")).rejects.toBeInstanceOf(OtherUserDataError);
  });

  it("shows the server's words when a log-in is refused", async () => {
    const api = new ApiClient(d, async () => json(401, { error: { code: "invalid_credentials", message: "用户名或密码错误" } }));
    await expect(login(d, api, "dev-1", "g1-2", "bad")).rejects.toMatchObject({ code: "invalid_credentials", message: "用户名或密码错误" });
  });
});
