import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { ApiClient, ApiError, type Session } from "../src/sync/api";
import { META, setMeta, getMeta } from "../src/db/meta";
import { enqueue } from "../src/sync/outbox";
import { LAST_USER, OtherUserDataError, login } from "../src/sync/session";
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
