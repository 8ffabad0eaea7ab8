import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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
  /** Every PUT's Upload-Offset and Content-Type, including the ones refused. */
  sent: { offset: number; type: string | null }[] = [];
  /** Drop the connection on the nth PUT (after storing the chunk), like a tunnel entrance. */
  failOnPut = -1;
  /** Keep at most this many bytes of each chunk (a proxy that cuts bodies short). */
  keepAtMost = Infinity;
  /** The status of a PUT that completes the photo, and of one that does not. */
  storedStatus = 201;
  partialStatus = 204;
  /** Leave the Upload-Offset header off partial answers. */
  omitOffset = false;
  /** Answer a HEAD with this instead of the truth. */
  head?: (sha: string) => Response | undefined;

  fetch = async (url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const sha = String(url).split("/").pop()!.split("?")[0];
    const method = init?.method ?? "GET";
    const headers = new Headers(init?.headers);
    if (method === "HEAD") {
      const forced = this.head?.(sha);
      if (forced) return forced;
      if (this.stored.has(sha)) return new Response(null, { status: 200, headers: { "Photo-Status": "complete" } });
      const part = this.partial.get(sha);
      return new Response(null, {
        status: 404,
        headers: { "Photo-Status": part ? "partial" : "missing", "Upload-Offset": String(part?.length ?? 0) },
      });
    }
    if (method === "PUT") {
      const offset = Number(headers.get("Upload-Offset") ?? 0);
      this.sent.push({ offset, type: headers.get("Content-Type") });
      const total = Number(headers.get("Upload-Length"));
      const have = this.partial.get(sha) ?? new Uint8Array(0);
      if (offset !== have.length) {
        return new Response(JSON.stringify({ error: { code: "offset_mismatch", message: "", details: { expected_offset: have.length } } }), {
          status: 409,
        });
      }
      const chunk = new Uint8Array(await (init!.body as Blob).arrayBuffer()).slice(0, this.keepAtMost);
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
        return new Response(null, { status: this.storedStatus });
      }
      this.partial.set(sha, next);
      return new Response(null, { status: this.partialStatus, headers: this.omitOffset ? {} : { "Upload-Offset": String(next.length) } });
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

describe("uploadPhoto against servers that answer differently", () => {
  const CHUNK = 262144;

  it("labels every chunk as a JPEG", async () => {
    await uploadPhoto(api, sha, new Blob([bytes]));
    expect(server.sent.map((s) => s.type)).toEqual(["image/jpeg", "image/jpeg", "image/jpeg"]);
  });

  it("starts from the first byte when the server has never heard of the photo", async () => {
    server.head = () => new Response(null, { status: 404 });
    await uploadPhoto(api, sha, new Blob([bytes]));
    expect(server.sent[0].offset).toBe(0);
    expect(server.stored.get(sha)?.length).toBe(bytes.length);
  });

  it("resumes at the offset a partial HEAD reports, even with a 200", async () => {
    server.partial.set(sha, bytes.slice(0, CHUNK));
    server.head = () => new Response(null, { status: 200, headers: { "Photo-Status": "partial", "Upload-Offset": String(CHUNK) } });
    await uploadPhoto(api, sha, new Blob([bytes]));
    expect(server.sent.map((s) => s.offset)).toEqual([CHUNK, 2 * CHUNK]);
    expect(server.stored.has(sha)).toBe(true);
  });

  it("takes a 200 HEAD without a status header as a photo already stored", async () => {
    server.head = () => new Response(null, { status: 200 });
    const progress: number[] = [];
    await uploadPhoto(api, sha, new Blob([bytes]), (n) => void progress.push(n));
    expect(server.sent).toEqual([]);
    expect(progress).toEqual([bytes.length]);
  });

  it("starts over when a partial HEAD's offset is missing, garbled or negative", async () => {
    for (const offset of [null, "soon", "-5"]) {
      server = new FakePhotoServer();
      api = new ApiClient(d, server.fetch);
      const headers: Record<string, string> = { "Photo-Status": "partial" };
      if (offset !== null) headers["Upload-Offset"] = offset;
      server.head = () => new Response(null, { status: 404, headers });
      await uploadPhoto(api, sha, new Blob([bytes]));
      expect(server.sent[0].offset, String(offset)).toBe(0);
    }
  });

  it("fails with the server's error when HEAD itself fails", async () => {
    server.head = () => new Response(JSON.stringify({ error: { code: "server_busy", message: "" } }), { status: 503 });
    await expect(uploadPhoto(api, sha, new Blob([bytes]))).rejects.toMatchObject({ status: 503, code: "server_busy" });
    expect(server.sent).toEqual([]);
  });

  it("finishes when the last chunk is answered with 200", async () => {
    server.storedStatus = 200;
    const progress: number[] = [];
    await uploadPhoto(api, sha, new Blob([bytes]), (n) => void progress.push(n));
    expect(server.stored.has(sha)).toBe(true);
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it("goes on after 202 answers", async () => {
    server.partialStatus = 202;
    await uploadPhoto(api, sha, new Blob([bytes]));
    expect(server.sent.map((s) => s.offset)).toEqual([0, CHUNK, 2 * CHUNK]);
    expect(server.stored.has(sha)).toBe(true);
  });

  it("sends the rest of a chunk the server kept only part of", async () => {
    server.keepAtMost = 200_000;
    const progress: number[] = [];
    await uploadPhoto(api, sha, new Blob([bytes]), (n) => void progress.push(n));
    expect(server.sent.map((s) => s.offset)).toEqual([0, 200_000, 400_000, 600_000]);
    expect(progress).toEqual([0, 200_000, 400_000, 600_000, bytes.length]);
    // The server stores a photo only once its bytes hash to its name.
    expect(server.stored.has(sha)).toBe(true);
  });

  it("moves on by a whole chunk when a partial answer carries no offset", async () => {
    server.omitOffset = true;
    await uploadPhoto(api, sha, new Blob([bytes]));
    expect(server.sent.map((s) => s.offset)).toEqual([0, CHUNK, 2 * CHUNK]);
    expect(server.stored.has(sha)).toBe(true);
  });

  it("asks where the server stands when every byte went out without a 'stored' answer", async () => {
    server.storedStatus = 204;
    const progress: number[] = [];
    await uploadPhoto(api, sha, new Blob([bytes]), (n) => void progress.push(n));
    expect(server.sent.map((s) => s.offset)).toEqual([0, CHUNK, 2 * CHUNK]);
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it("sends again from the offset HEAD gives when the server lost the end of the photo", async () => {
    // After all bytes went out the server says it holds only the first chunk.
    server.storedStatus = 204;
    let heads = 0;
    server.head = (s) => {
      heads++;
      if (heads === 2) {
        server.stored.delete(s);
        server.partial.set(s, bytes.slice(0, CHUNK));
        return new Response(null, { status: 404, headers: { "Photo-Status": "partial", "Upload-Offset": String(CHUNK) } });
      }
      return undefined;
    };
    server.storedStatus = 204;
    await uploadPhoto(api, sha, new Blob([bytes]));
    expect(server.sent.map((s) => s.offset)).toEqual([0, CHUNK, 2 * CHUNK, CHUNK, 2 * CHUNK]);
  });

  it("follows the offset a 409 says the server expects", async () => {
    // HEAD forgets the partial upload the server still holds.
    server.partial.set(sha, bytes.slice(0, CHUNK));
    server.head = () => new Response(null, { status: 404, headers: { "Photo-Status": "missing" } });
    const progress: number[] = [];
    await uploadPhoto(api, sha, new Blob([bytes]), (n) => void progress.push(n));
    expect(server.sent.map((s) => s.offset)).toEqual([0, CHUNK, 2 * CHUNK]);
    expect(progress).toEqual([0, CHUNK, 2 * CHUNK, bytes.length]);
    // The server stores a photo only once its bytes hash to its name.
    expect(server.stored.has(sha)).toBe(true);
  });

  it("gives up when a 409 names an offset outside the photo", async () => {
    for (const expected of [-1, bytes.length + 1, "later"]) {
      const answer = () =>
        new Response(JSON.stringify({ error: { code: "offset_mismatch", message: "", details: { expected_offset: expected } } }), { status: 409 });
      const put = vi.fn(answer);
      const fetchImpl = async (_url: RequestInfo | URL, init?: RequestInit) =>
        init?.method === "HEAD" ? new Response(null, { status: 404 }) : put();
      await expect(uploadPhoto(new ApiClient(d, fetchImpl), sha, new Blob([bytes])), String(expected)).rejects.toMatchObject({
        status: 409,
        code: "offset_mismatch",
      });
      expect(put).toHaveBeenCalledTimes(1);
    }
  });

  it("accepts a 409 that sends it back to the very start or to the end", async () => {
    for (const expected of [0, bytes.length]) {
      const offsets: string[] = [];
      const fetchImpl = async (_url: RequestInfo | URL, init?: RequestInit) => {
        if (init?.method === "HEAD") return new Response(null, { status: 404 });
        offsets.push(new Headers(init?.headers).get("Upload-Offset")!);
        if (offsets.length === 1)
          return new Response(JSON.stringify({ error: { code: "offset_mismatch", message: "", details: { expected_offset: expected } } }), {
            status: 409,
          });
        return new Response(null, { status: 201 });
      };
      await uploadPhoto(new ApiClient(d, fetchImpl), sha, new Blob([bytes]));
      expect(offsets).toEqual(["0", String(expected)]);
    }
  });

  it("does not retry other refusals", async () => {
    const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) =>
      init?.method === "HEAD"
        ? new Response(null, { status: 404 })
        : new Response(JSON.stringify({ error: { code: "offset_mismatch", message: "" } }), { status: 400 }),
    );
    await expect(uploadPhoto(new ApiClient(d, fetchImpl), sha, new Blob([bytes]))).rejects.toMatchObject({ status: 400 });
    expect(fetchImpl).toHaveBeenCalledTimes(2);
  });

  it("gives up, naming the photo, on a server that keeps contradicting itself", async () => {
    // Every PUT is answered "send from 0 again": the photo can never finish.
    let puts = 0;
    const fetchImpl = async (_url: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === "HEAD") return new Response(null, { status: 404 });
      puts++;
      return new Response(JSON.stringify({ error: { code: "offset_mismatch", message: "", details: { expected_offset: 0 } } }), { status: 409 });
    };
    await expect(uploadPhoto(new ApiClient(d, fetchImpl), sha, new Blob([bytes]))).rejects.toThrow(`upload of ${sha} did not finish`);
    // Three chunks' worth of round trips plus eight spare.
    expect(puts).toBe(3 + 8);
  });
});

describe("the photo queue", () => {
  const photo = () => ({ sha, blob: new Blob([bytes], { type: "image/jpeg" }) });

  it("keeps a stored photo's upload progress when the same photo is added again", async () => {
    await storePhoto(d, photo(), "2026-01-01T00:00:00.000Z");
    await d.photos.update(sha, { uploaded: 1234, attempts: 2 });
    await storePhoto(d, photo(), "2026-02-01T00:00:00.000Z");
    expect(await d.photos.get(sha)).toMatchObject({ uploaded: 1234, attempts: 2, createdAt: "2026-01-01T00:00:00.000Z" });
  });

  it("takes this phone's bytes over a preview fetched from the server", async () => {
    await d.photos.put({ sha, thumb: new Blob(["t"]), size: 0, status: "remote", uploaded: 0, attempts: 0, createdAt: "x" });
    await storePhoto(d, photo());
    const row = await d.photos.get(sha);
    expect(row?.status).toBe("local");
    expect(row?.size).toBe(bytes.length);
  });

  it("retries a photo a closed tab left half-uploaded", async () => {
    await storePhoto(d, photo());
    await d.photos.update(sha, { status: "uploading" });
    expect((await uploadPendingPhotos(d, api)).uploaded).toBe(1);
    expect(server.stored.has(sha)).toBe(true);
  });

  it("skips a pending row that has no bytes on this phone", async () => {
    await d.photos.put({ sha, size: 0, status: "local", uploaded: 0, attempts: 0, createdAt: "x" });
    expect(await uploadPendingPhotos(d, api)).toEqual({ uploaded: 0, failed: 0 });
    expect(server.sent).toEqual([]);
  });

  it("shows a photo as uploading while its bytes go out", async () => {
    await storePhoto(d, photo());
    const seen: (string | undefined)[] = [];
    const watching = new ApiClient(d, async (url, init) => {
      if (init?.method === "PUT") seen.push((await d.photos.get(sha))?.status);
      return server.fetch(url, init);
    });
    await uploadPendingPhotos(d, watching);
    expect(seen).toEqual(["uploading", "uploading", "uploading"]);
  });

  it("counts attempts and records how many bytes the server holds", async () => {
    await storePhoto(d, photo());
    server.failOnPut = 2;
    await uploadPendingPhotos(d, api);
    expect(await d.photos.get(sha)).toMatchObject({ status: "local", attempts: 1, uploaded: 262144, error: "network" });
    server.failOnPut = -1;
    server.puts = [];
    await uploadPendingPhotos(d, api);
    const row = await d.photos.get(sha);
    expect(row).toMatchObject({ status: "uploaded", attempts: 2, uploaded: bytes.length });
    expect(row?.error).toBeUndefined();
  });

  it("keeps the bytes when the server answers 'stored' but HEAD says otherwise", async () => {
    await storePhoto(d, photo());
    let heads = 0;
    server.head = () => (++heads > 1 ? new Response(null, { status: 404, headers: { "Photo-Status": "missing" } }) : undefined);
    const summary = await uploadPendingPhotos(d, api);
    expect(summary).toMatchObject({ uploaded: 0, failed: 1 });
    expect(summary.lastError).toMatchObject({ code: "upload_incomplete" });
    const row = await d.photos.get(sha);
    expect(row?.status).toBe("local");
    expect(row?.blob).toBeDefined();
  });

  it("stops at the first photo when offline, but goes on past a photo the server refuses", async () => {
    const other = new Uint8Array(1000).fill(7);
    const otherSha = await sha256Hex(other);
    await storePhoto(d, photo(), "2026-01-01T00:00:00.000Z");
    await storePhoto(d, { sha: otherSha, blob: new Blob([other]) }, "2026-01-01T00:00:01.000Z");
    const offline = new ApiClient(d, async () => {
      throw new TypeError("Failed to fetch");
    });
    const off = await uploadPendingPhotos(d, offline);
    expect(off).toMatchObject({ uploaded: 0, failed: 1, lastError: { status: 0, code: "network" } });

    // A photo whose bytes do not match its name is refused (400); the next one still goes.
    await d.photos.update(sha, { blob: new Blob([new Uint8Array(10)]) });
    const refused = await uploadPendingPhotos(d, api);
    expect(refused).toMatchObject({ uploaded: 1, failed: 1, lastError: { status: 400, code: "hash_mismatch" } });
    expect(server.stored.has(otherSha)).toBe(true);
  });

  it("stops at the first photo when the session has ended", async () => {
    const other = new Uint8Array(1000).fill(7);
    await storePhoto(d, photo());
    await storePhoto(d, { sha: await sha256Hex(other), blob: new Blob([other]) });
    const loggedOut = new ApiClient(d, async () => new Response(JSON.stringify({ error: { code: "token_revoked", message: "" } }), { status: 401 }));
    const summary = await uploadPendingPhotos(d, loggedOut);
    expect(summary).toMatchObject({ failed: 1, lastError: { status: 401 } });
  });

  it("names a failure that is not the server's refusal", async () => {
    await storePhoto(d, photo());
    // Every PUT is sent back to offset 0, so the upload gives up on its own.
    const stuck = new ApiClient(d, async (_url, init) =>
      init?.method === "HEAD"
        ? new Response(null, { status: 404 })
        : new Response(JSON.stringify({ error: { code: "offset_mismatch", message: "", details: { expected_offset: 0 } } }), { status: 409 }),
    );
    const summary = await uploadPendingPhotos(d, stuck);
    expect(summary.lastError).toMatchObject({ status: 0, code: "upload_failed", message: `upload of ${sha} did not finish` });
    expect((await d.photos.get(sha))?.error).toBe("upload_failed");
  });
});
