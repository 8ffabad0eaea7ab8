/**
 * The in-app notifications (GET /api/notifications), kept for the bell and the
 * feed. Marking one read is a `notification.read` mutation through the outbox,
 * so it works offline and the bell counts it read at once.
 */

import { META, getMeta, setMeta } from "../db/meta";
import type { GridwalkDB } from "../db/schema";
import type { ApiClient } from "./api";
import { enqueue } from "./outbox";

export interface AppNotification {
  id: string;
  kind: string;
  entity: string;
  entity_id: string;
  data: { ticket_id?: string; title?: string | null; status?: string | null; due_at?: string | null; reason?: string | null };
  created_at: string;
  read_at: string | null;
}

export interface NotificationFeed {
  fetchedAt: string;
  items: AppNotification[];
}

export const FEED_LIMIT = 100;

/** Fetches the newest notifications and keeps them. */
export async function refreshNotifications(d: GridwalkDB, api: ApiClient, now: () => Date = () => new Date()): Promise<NotificationFeed> {
  const body = await api.json<{ notifications: AppNotification[] }>(`/notifications?limit=${FEED_LIMIT}`);
  const feed: NotificationFeed = { fetchedAt: now().toISOString(), items: body.notifications ?? [] };
  await setMeta(d, META.notifications, feed);
  return feed;
}

/** The kept feed, or an empty one. */
export async function loadNotifications(d: GridwalkDB): Promise<NotificationFeed> {
  return (await getMeta<NotificationFeed>(d, META.notifications)) ?? { fetchedAt: "", items: [] };
}

/** Ids of notifications this device marked read (sent or still in the outbox). */
export async function locallyRead(d: GridwalkDB): Promise<Set<string>> {
  const keys = await d.records.where("entity").equals("notification").primaryKeys();
  return new Set(keys.map(([, id]) => id));
}

/** The feed with what this device marked read laid over it, and the unread count. */
export async function notificationView(d: GridwalkDB): Promise<{ items: (AppNotification & { read: boolean })[]; unread: number; fetchedAt: string }> {
  const [feed, read] = await Promise.all([loadNotifications(d), locallyRead(d)]);
  const items = feed.items.map((n) => ({ ...n, read: n.read_at != null || read.has(n.id) }));
  return { items, unread: items.filter((n) => !n.read).length, fetchedAt: feed.fetchedAt };
}

/** Marks notifications read, one mutation each (those already read are skipped). */
export async function markRead(d: GridwalkDB, node: string, ids: readonly string[]): Promise<number> {
  const { items } = await notificationView(d);
  const unread = new Set(items.filter((n) => !n.read).map((n) => n.id));
  let n = 0;
  for (const id of ids) {
    if (!unread.delete(id)) continue;
    await enqueue(d, node, { entity: "notification", entity_id: id, op: "read" });
    n++;
  }
  return n;
}
