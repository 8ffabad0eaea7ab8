/**
 * The only place that calls `fetch` for the API.
 *
 * Adds the bearer token, refreshes an expired access token once, and turns
 * every failure into an `ApiError` with a code the UI can explain. A refresh
 * refused with 401 (expired refresh token, revoked device) marks the session
 * as needing a new log-in; capture keeps working and the outbox stays intact.
 */

import { META, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";

export interface SessionUser {
  id: string | number;
  username: string;
  display_name?: string;
  role?: string;
  team_role?: string;
  grid_id?: number | null;
  street_id?: number | null;
  department_id?: number | null;
}

export interface Session {
  user: SessionUser;
  access_token: string;
  refresh_token: string;
  /** The server refused our tokens; the user must log in again (outbox kept). */
  needsRelogin?: boolean;
  reloginReason?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message || code);
    this.name = "ApiError";
  }

  /** True for failures worth retrying later (network down, server busy or broken). */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Thrown without a request when the session is waiting for a new log-in. */
export const RELOGIN_CODES = new Set(["token_expired", "token_revoked", "device_revoked", "invalid_token", "relogin_required"]);

export const API_BASE = "/api";

export interface ApiOptions {
  method?: string;
  body?: BodyInit | null;
  json?: unknown;
  headers?: Record<string, string>;
  /** Send the access token (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText;
  let details: unknown;
  try {
    const body = await res.json();
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      details = body.error.details;
    }
  } catch {
    // Not JSON (a proxy's error page, or an empty HEAD answer): keep the status.
  }
  return new ApiError(res.status, code, message, details);
}

export class ApiClient {
  private refreshing: Promise<string> | null = null;

  constructor(
    private readonly d: GridwalkDB,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
    private readonly base = API_BASE,
  ) {}

  session(): Promise<Session | undefined> {
    return getMeta<Session>(this.d, META.session);
  }

  /** A raw request; answers every HTTP status (callers read it), throws ApiError(0) when offline. */
  async request(path: string, opts: ApiOptions = {}): Promise<Response> {
    const send = async (token?: string): Promise<Response> => {
      const headers: Record<string, string> = { ...opts.headers };
      if (token) headers.Authorization = `Bearer ${token}`;
      let body = opts.body;
      if (opts.json !== undefined) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(opts.json);
      }
      try {
        return await this.fetchImpl(this.base + path, {
          method: opts.method ?? "GET",
          headers,
          body,
          signal: opts.signal,
          cache: "no-store",
        });
      } catch (e) {
        if ((e as Error)?.name === "AbortError") throw e;
        throw new ApiError(0, "network", (e as Error)?.message ?? "network error");
      }
    };

    if (opts.auth === false) return send();
    const session = await this.session();
    if (!session) throw new ApiError(401, "not_logged_in", "not logged in");
    if (session.needsRelogin) throw new ApiError(401, "relogin_required", session.reloginReason ?? "");
    let res = await send(session.access_token);
    if (res.status !== 401) return res;
    const err = await errorFrom(res.clone());
    if (err.code !== "token_expired" && err.code !== "invalid_token") {
      if (RELOGIN_CODES.has(err.code)) await this.requireRelogin(err.code);
      return res;
    }
    const access = await this.refresh();
    res = await send(access);
    if (res.status === 401) {
      const again = await errorFrom(res.clone());
      if (RELOGIN_CODES.has(again.code)) await this.requireRelogin(again.code);
    }
    return res;
  }

  /** A JSON request; non-2xx answers throw ApiError. */
  async json<T>(path: string, opts: ApiOptions = {}): Promise<T> {
    const res = await this.request(path, opts);
    if (!res.ok) throw await errorFrom(res);
    return (await res.json()) as T;
  }

  /** Exchanges the refresh token for a new access token (one refresh at a time). */
  refresh(): Promise<string> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<string> {
    const session = await this.session();
    if (!session) throw new ApiError(401, "not_logged_in", "not logged in");
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}/auth/refresh`, {
        method: "POST",
        headers: { Authorization: `Bearer ${session.refresh_token}` },
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError(0, "network", (e as Error)?.message ?? "network error");
    }
    if (!res.ok) {
      const err = await errorFrom(res);
      if (res.status === 401 || res.status === 422) await this.requireRelogin(err.code);
      throw err;
    }
    const body = (await res.json()) as { access_token: string; refresh_token?: string };
    const latest = (await this.session()) ?? session;
    await setMeta(this.d, META.session, {
      ...latest,
      access_token: body.access_token,
      refresh_token: body.refresh_token ?? latest.refresh_token,
    });
    return body.access_token;
  }

  /** Keeps the user and the outbox, but stops talking to the server until a new log-in. */
  async requireRelogin(reason: string): Promise<void> {
    const session = await this.session();
    if (session && !session.needsRelogin) {
      await setMeta(this.d, META.session, { ...session, needsRelogin: true, reloginReason: reason });
    }
  }
}

export { errorFrom };
