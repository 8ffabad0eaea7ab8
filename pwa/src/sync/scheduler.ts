/**
 * When to sync: at start, when the network comes back, on a timer while the
 * app is open, when the page becomes visible, after a local save (debounced),
 * when the service worker relays a Background Sync event, and by hand.
 * Failures back off exponentially; two tabs never sync at once (lock.ts).
 */

import { signal } from "@preact/signals";
import type { GridwalkDB } from "../db/schema";
import { META, getMeta } from "../db/meta";
import { ApiError, type ApiClient, type Session } from "./api";
import { whenIdle } from "../idle";
import { backoffDelay } from "./backoff";
import { syncOnce, type SyncReport } from "./client";
import { withSyncLock } from "./lock";
import { refreshIntakeQueue } from "./intake";
import { refreshNotifications } from "./notifications";
import { refreshPeople } from "./people";
import { refreshCatalogue, refreshConflicts, refreshMe, refreshTeam } from "./reference";

export const SYNC_INTERVAL_MS = 60_000;
export const BACKGROUND_SYNC_TAG = "gridwalk-sync";

export interface SyncStatus {
  running: boolean;
  failures: number;
  nextAt: number;
  lastError?: { code: string; message: string };
  lastReport?: SyncReport;
}

export class SyncScheduler {
  readonly status = signal<SyncStatus>({ running: false, failures: 0, nextAt: 0 });
  private timer: ReturnType<typeof setInterval> | undefined;
  private soonTimer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly d: GridwalkDB,
    private readonly api: ApiClient,
    private deviceId: string,
  ) {}

  /** Syncs as this device from now on (a log-in made a new device id). */
  useDevice(id: string): void {
    this.deviceId = id;
  }

  /** Hooks the triggers up and syncs once. */
  start(): void {
    if (this.timer) return;
    addEventListener("online", () => void this.run());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") void this.run();
    });
    navigator.serviceWorker?.addEventListener("message", (ev: MessageEvent) => {
      if (ev.data?.type === "sync-request") void this.run();
    });
    this.timer = setInterval(() => {
      if (Date.now() >= this.status.value.nextAt) void this.run();
    }, 15_000);
    // Once the first screen is drawn: on a slow tablet the sync's work would delay it.
    whenIdle(() => void this.run());
  }

  /** Asks for a sync shortly (after a save), and for Background Sync in case the app is closed first. */
  soon(): void {
    clearTimeout(this.soonTimer);
    this.soonTimer = setTimeout(() => void this.run(), 1_500);
    void registerBackgroundSync();
  }

  /** Runs a sync now unless one is running; `manual` ignores backoff and the offline hint. */
  run(manual = false): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (!manual && typeof navigator !== "undefined" && navigator.onLine === false) return Promise.resolve();
    if (!manual && Date.now() < this.status.value.nextAt && this.status.value.failures > 0) return Promise.resolve();
    this.inFlight = this.runLocked(manual).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async runLocked(manual: boolean): Promise<void> {
    const session = await getMeta<Session>(this.d, META.session);
    if (!session || session.needsRelogin) return;
    this.status.value = { ...this.status.value, running: true };
    try {
      const report = await withSyncLock(this.d, async () => {
        const r = await syncOnce(this.d, this.api, this.deviceId);
        // Reference data is best-effort: a failure here must not fail the sync.
        const inGrid = session.user.role === "patroller" || session.user.role === "lead";
        await Promise.allSettled([
          refreshMe(this.d, this.api),
          refreshCatalogue(this.d, this.api),
          refreshConflicts(this.d, this.api),
          inGrid ? refreshTeam(this.d, this.api) : Promise.resolve(),
          refreshPeople(this.d, this.api),
          refreshNotifications(this.d, this.api),
          // The supervisor's tab counts the hotline cases waiting for a grid.
          session.user.role === "supervisor" ? refreshIntakeQueue(this.d, this.api) : Promise.resolve(),
        ]);
        return r;
      });
      this.status.value = {
        running: false,
        failures: 0,
        nextAt: Date.now() + SYNC_INTERVAL_MS,
        lastReport: report ?? this.status.value.lastReport,
      };
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, "error", String((e as Error)?.message ?? e));
      const failures = manual ? Math.max(1, this.status.value.failures) : this.status.value.failures + 1;
      this.status.value = {
        running: false,
        failures,
        nextAt: Date.now() + backoffDelay(failures),
        lastError: { code: err.code, message: err.message },
      };
    }
  }
}

/** Registers a one-off Background Sync so the service worker flushes the outbox after the tab is gone. */
export async function registerBackgroundSync(): Promise<void> {
  try {
    const reg = (await navigator.serviceWorker?.ready) as
      | (ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } })
      | undefined;
    await reg?.sync?.register(BACKGROUND_SYNC_TAG);
  } catch {
    // Not supported or not allowed: the timer and the online event cover it.
  }
}
