import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { ApiClient } from "../src/sync/api";
import { setMeta } from "../src/db/meta";
import { uploadPhoto } from "../src/photos/upload";
import { storePhoto, uploadPendingPhotos } from "../src/photos/queue";
import { sha256Hex } from "../src/photos/geometry";
import { freshDb } from "./helpers";

/** A photo endpoint that follows the contract: HEAD status/offset, PUT chunks at the right offset. */
class FakePhotoServer {
  stored = new Map<string, Uint8Array>();
  partial = new Map<string, Uint8Array>();
  puts: number[] = [];
  /** Drop the connection on the nth PUT (after storing the chunk), like a tunnel entrance. */
  failOnPut = -1;

  fetch = async (url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const sha = String(url).split("/").pop()!.split("?")[0];
    const method = init?.method ?? "GET";
    const headers = new Headers(init?.headers);
    if (method === "HEAD") {
      if (this.stored.has(sha)) return new Response(null, { status: 200, headers: { "Photo-Status": "complete" } });
      const part = this.partial.get(sha);
      return new Response(null, {
        status: 404,
        headers: { "Photo-Status": part ? "partial" : "missing", "Upload-Offset": String(part?.length ?? 0) },
      });
    }
    if (method === "PUT") {
      const offset = Number(headers.get("Upload-Offset") ?? 0);
      const total = Number(headers.get("Upload-Length"));
      const have = this.partial.get(sha) ?? new Uint8Array(0);
      if (offset !== have.length) {
        return new Response(JSON.stringify({ error: { code: "offset_mismatch", message: "", details: { expected_offset: have.length } } }), {
          status: 409,
        });
      }
      const chunk = new Uint8Array(await (init!.body as Blob).arrayBuffer());
      const next = new Uint8Array(have.length + chunk.length);
      next.set(have);
      next.set(chunk, have.length);
      this.puts.push(offset);
      if (this.puts.length === this.failOnPut) {
        this.partial.set(sha, next);
        throw new TypeError("connection lost");
      }
      if (next.length === total) {
        if ((await sha256Hex(next)) !== sha) return new Response(JSON.stringify({ error: { code: "hash_mismatch", message: "" } }), { status: 400 });
        this.partial.delete(sha);
        this.stored.set(sha, next);
        return new Response(null, { status: 201 });
      }
      this.partial.set(sha, next);
      return new Response(null, { status: 204, headers: { "Upload-Offset": String(next.length) } });
    }
    return new Response(null, { status: 405 });
  };
}

let d: GridwalkDB;
let server: FakePhotoServer;
let api: ApiClient;
const bytes = new Uint8Array(700 * 1024).map((_, i) => (i * 31) % 251);
let sha: string;

beforeEach(async () => {
  d = freshDb();
  server = new FakePhotoServer();
  api = new ApiClient(d, server.fetch);
  await setMeta(d, "session", { user: { id: 1, username: "u" }, access_token: "a", refresh_token: "r" });
  sha = await sha256Hex(bytes);
});
afterEach(async () => {
  d.close();
  await d.delete();
});

describe("uploadPhoto", () => {
  it("sends 256 KB chunks in order and reports progress", async () => {
    const progress: number[] = [];
    await uploadPhoto(api, sha, new Blob([bytes]), (n) => void progress.push(n));
    expect(server.puts).toEqual([0, 262144, 524288]);
    expect(server.stored.get(sha)?.length).toBe(bytes.length);
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it("resumes from the server's offset after a lost connection", async () => {
    server.failOnPut = 2;
    await expect(uploadPhoto(api, sha, new Blob([bytes]))).rejects.toThrow();
    expect(server.partial.get(sha)?.length).toBe(524288);
    server.puts = [];
    server.failOnPut = -1;
    await uploadPhoto(api, sha, new Blob([bytes]));
    expect(server.puts).toEqual([524288]);
    expect(server.stored.has(sha)).toBe(true);
  });

  it("does nothing when the server already has the photo", async () => {
    server.stored.set(sha, bytes);
    await uploadPhoto(api, sha, new Blob([bytes]));
    expect(server.puts).toEqual([]);
  });
});

describe("pending photos", () => {
  it("keep their bytes until the server confirms, then drop them", async () => {
    await storePhoto(d, { sha, blob: new Blob([bytes], { type: "image/jpeg" }) });
    server.failOnPut = 1;
    const first = await uploadPendingPhotos(d, api);
    expect(first.failed).toBe(1);
    expect((await d.photos.get(sha))?.blob).toBeDefined();
    expect((await d.photos.get(sha))?.status).toBe("local");
    server.failOnPut = -1;
    const second = await uploadPendingPhotos(d, api);
    expect(second.uploaded).toBe(1);
    const row = await d.photos.get(sha);
    expect(row?.status).toBe("uploaded");
    expect(row?.blob).toBeUndefined();
  });
});
