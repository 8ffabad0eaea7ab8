/**
 * The device id: made once and kept (it is also the HLC node). The server
 * gives an id to the first user who logs in with it; when another user logs
 * in on this phone the server refuses the id, and the phone makes a new one.
 */

import { META, getMeta, setMeta } from "./meta";
import type { GridwalkDB } from "./schema";
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

/** The device id, created on first use. Also mirrored in localStorage in case IndexedDB is wiped. */
export async function deviceId(d: GridwalkDB): Promise<string> {
  let id = await getMeta<string>(d, META.deviceId);
  if (!id) {
    id = mirror()?.getItem(STORAGE_KEY) || uuid();
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
