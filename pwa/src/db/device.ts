/** The device id: made once, kept for good (it is also the HLC node). */

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
