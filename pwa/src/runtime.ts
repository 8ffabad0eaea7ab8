/** The app's long-lived pieces, made once at start: database, API client, device id, sync scheduler. */

import { db, type GridwalkDB } from "./db/schema";
import { deviceId as loadDeviceId } from "./db/device";
import { ApiClient } from "./sync/api";
import { SyncScheduler } from "./sync/scheduler";

export interface Runtime {
  db: GridwalkDB;
  api: ApiClient;
  deviceId: string;
  scheduler: SyncScheduler;
}

let current: Runtime | null = null;

export async function startRuntime(): Promise<Runtime> {
  if (current) return current;
  const d = db();
  await d.open();
  const api = new ApiClient(d);
  const id = await loadDeviceId(d);
  current = { db: d, api, deviceId: id, scheduler: new SyncScheduler(d, api, id) };
  return current;
}

export function runtime(): Runtime {
  if (!current) throw new Error("runtime not started");
  return current;
}

/** Uses a new device id from now on (a log-in had to make one, see sync/session.ts). */
export function adoptDeviceId(id: string): void {
  const r = runtime();
  r.deviceId = id;
  r.scheduler.useDevice(id);
}
