/**
 * The device id: made once and kept (it is also the HLC node). The server
 * gives an id to the first user who logs in with it; when another user logs
 * in on this phone the server refuses the id, and the phone makes a new one.
 */

import { META, getMeta, setMeta } from "./meta";
import type { GridwalkDB } from "./schema";
import { validateDeviceNode } from "../sync/hlc";
import { uuid } from "../sync/mutation";

const STORAGE_KEY = "gridwalk.device_id";

interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** localStorage in a page; nothing in the service worker. */
function mirror(): KeyValueStore | null {
  try {
    return (globalThis as { localStorage?: KeyValueStore }).localStorage ?? null;
  } catch {
    return null;
  }
}

/** Whether a stored id can name this device (and its clock); anything else is replaced. */
function usable(id: unknown): id is string {
  try {
    validateDeviceNode(id);
    return true;
  } catch {
    return false;
  }
}

/** The device id, created on first use. Also mirrored in localStorage in case IndexedDB is wiped. */
export async function deviceId(d: GridwalkDB): Promise<string> {
  let id = await getMeta<string>(d, META.deviceId);
  if (!usable(id)) {
    const kept = mirror()?.getItem(STORAGE_KEY);
    id = usable(kept) ? kept : uuid();
    await setMeta(d, META.deviceId, id);
  }
  mirror()?.setItem(STORAGE_KEY, id);
  return id as string;
}

/** Replaces the device id with a new one (the server refused the old one for this user). */
export async function replaceDeviceId(d: GridwalkDB): Promise<string> {
  const id = uuid();
  await setMeta(d, META.deviceId, id);
  mirror()?.setItem(STORAGE_KEY, id);
  return id;
}
