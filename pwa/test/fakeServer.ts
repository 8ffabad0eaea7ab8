/** An in-memory stand-in for the sync API: dedupes by mutation id, keeps a change log. */

import type { PushBody, SyncTransport } from "../src/sync/client";
import type { Change, Mutation, PullResponse, PushResponse, PushResult } from "../src/sync/mutation";
import { applyMutation } from "../src/sync/merge";
import { formatHlc } from "../src/sync/hlc";

export class FakeSyncServer implements SyncTransport {
  seen = new Map<string, PushResult>();
  records = new Map<string, { version: number; data: Record<string, unknown>; deleted: boolean }>();
  log: Change[] = [];
  wall = 2_000_000_000_000;
  pushes = 0;
  pulls = 0;
  /** Answers pushes without their pull, as a server from before pulls rode on pushes. */
  pullsWithPush = true;
  /** Makes the next push apply everything and then lose the answer (like a killed tab). */
  dropNextAnswer = false;
  rejectIf: (m: Mutation) => boolean = () => false;

  private hlc(): string {
    this.wall += 1;
    return formatHlc({ wall: this.wall, counter: 0, node: "server" });
  }

  async push(body: PushBody): Promise<PushResponse> {
    this.pushes++;
    const results: PushResult[] = [];
    for (const raw of body.mutations) {
      const m = raw as Mutation;
      const before = this.seen.get(m.id);
      if (before) {
        results.push({ ...before, status: "duplicate" });
        continue;
      }
      let result: PushResult;
      if (this.rejectIf(m)) {
        result = { id: m.id, status: "rejected", error: { code: "validation_error", message: "bad" } };
      } else {
        const key = `${m.entity}/${m.entity_id}`;
        const cur = this.records.get(key);
        const next = applyMutation(cur ? { data: cur.data, deleted: cur.deleted } : null, m);
        const version = (cur?.version ?? 0) + 1;
        this.records.set(key, { version, ...next });
        this.log.push({ entity: m.entity, entity_id: m.entity_id, version, deleted: next.deleted, data: next.data });
        result = { id: m.id, status: "applied", version };
      }
      this.seen.set(m.id, result);
      results.push(result);
    }
    if (this.dropNextAnswer) {
      this.dropNextAnswer = false;
      throw new TypeError("connection reset");
    }
    const answer: PushResponse = { results, cursor: String(this.log.length), hlc: this.hlc() };
    if (body.pull && this.pullsWithPush) answer.pull = this.page(body.pull.cursor ?? undefined, body.pull.limit);
    return answer;
  }

  async pull(cursor: string | undefined, limit: number): Promise<PullResponse> {
    this.pulls++;
    return this.page(cursor, limit);
  }

  private page(cursor: string | undefined, limit: number): PullResponse {
    const start = Number(cursor ?? 0);
    const changes = this.log.slice(start, start + limit);
    const end = start + changes.length;
    return { changes, cursor: String(end), more: end < this.log.length, hlc: this.hlc() };
  }
}
