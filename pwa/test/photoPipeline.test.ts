/**
 * The photo pipeline from camera file to stored photo, with the browser's
 * image APIs (createImageBitmap, OffscreenCanvas or a DOM canvas, Worker)
 * played by small stand-ins that "encode" a canvas as its size and quality.
 */
import { resolveObjectURL } from "node:buffer";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GridwalkDB } from "../src/db/schema";
import { META, setMeta } from "../src/db/meta";
import { sha256Hex } from "../src/photos/geometry";
import { ApiClient } from "../src/sync/api";
import { freshDb } from "./helpers";

/** A decoded camera image; the file's text says its size, e.g. "4000x3000". */
class Bitmap {
  closed = false;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  close() {
    this.closed = true;
  }
}

let bitmaps: Bitmap[];
let decodeOptions: unknown[];
let drawn: { canvas: string; smoothing: string; args: unknown[] }[];
let noContext: boolean;

function context(canvas: { width: number; height: number }) {
  if (noContext) return null;
  const ctx = {
    imageSmoothingQuality: "low",
    drawImage: (...args: unknown[]) => void drawn.push({ canvas: `${canvas.width}x${canvas.height}`, smoothing: ctx.imageSmoothingQuality, args }),
  };
  return ctx;
}

const encode = (w: number, h: number, type: string, quality: unknown) => new Blob([`jpeg ${w}x${h} q${quality}`], { type });

class FakeOffscreenCanvas {
  constructor(
    public width: number,
    public height: number,
  ) {}
  getContext() {
    return context(this);
  }
  async convertToBlob(opts: { type: string; quality: number }) {
    return encode(this.width, this.height, opts.type, opts.quality);
  }
}

/** A DOM canvas, for browsers without OffscreenCanvas; `failEncode` makes toBlob hand back null. */
let failEncode: boolean;
function domCanvas() {
  const c = {
    width: 0,
    height: 0,
    getContext: () => context(c),
    toBlob: (cb: (b: Blob | null) => void, type: string, quality: number) => cb(failEncode ? null : encode(c.width, c.height, type, quality)),
  };
  return c;
}

async function decode(file: Blob, options: unknown) {
  decodeOptions.push(options);
  const [w, h] = (await file.text()).split("x").map(Number);
  const bitmap = new Bitmap(w, h);
  bitmaps.push(bitmap);
  return bitmap;
}

let d: GridwalkDB;

beforeEach(() => {
  d = freshDb();
  bitmaps = [];
  decodeOptions = [];
  drawn = [];
  noContext = false;
  failEncode = false;
  vi.resetModules();
  vi.stubGlobal("createImageBitmap", decode);
  vi.stubGlobal("OffscreenCanvas", FakeOffscreenCanvas);
});
afterEach(async () => {
  vi.unstubAllGlobals();
  d.close();
  await d.delete();
});

const photoFile = (w: number, h: number) => new Blob([`${w}x${h}`], { type: "image/jpeg" });

describe("downscaling a camera photo", () => {
  it("makes a 1600 px JPEG at quality 0.82 and a 320 px preview, upright, named by its hash", async () => {
    const { downscale } = await import("../src/photos/downscale");
    const p = await downscale(photoFile(4000, 3000));
    expect(await p.blob.text()).toBe("jpeg 1600x1200 q0.82");
    expect(await p.thumb.text()).toBe("jpeg 320x240 q0.7");
    expect(p.blob.type).toBe("image/jpeg");
    expect(p.thumb.type).toBe("image/jpeg");
    expect({ width: p.width, height: p.height }).toEqual({ width: 1600, height: 1200 });
    expect(p.sha).toBe(await sha256Hex(new TextEncoder().encode("jpeg 1600x1200 q0.82")));
    expect(decodeOptions).toEqual([{ imageOrientation: "from-image" }]);
    expect(drawn).toEqual([
      { canvas: "1600x1200", smoothing: "high", args: [bitmaps[0], 0, 0, 1600, 1200] },
      { canvas: "320x240", smoothing: "high", args: [bitmaps[0], 0, 0, 320, 240] },
    ]);
    expect(bitmaps[0].closed).toBe(true);
  });

  it("works on a DOM canvas where there is no OffscreenCanvas", async () => {
    vi.stubGlobal("OffscreenCanvas", undefined);
    vi.stubGlobal("document", { createElement: (tag: string) => (tag === "canvas" ? domCanvas() : null) });
    const { downscale } = await import("../src/photos/downscale");
    const p = await downscale(photoFile(1200, 900));
    expect(await p.blob.text()).toBe("jpeg 1200x900 q0.82");
    expect(p.blob.type).toBe("image/jpeg");
    expect(await p.thumb.text()).toBe("jpeg 320x240 q0.7");
  });

  it("fails, and frees the decoded image, when the canvas cannot draw or encode", async () => {
    const { downscale } = await import("../src/photos/downscale");
    noContext = true;
    await expect(downscale(photoFile(800, 600))).rejects.toThrow("no 2d context");
    expect(bitmaps[0].closed).toBe(true);
    noContext = false;
    vi.stubGlobal("OffscreenCanvas", undefined);
    vi.stubGlobal("document", { createElement: () => domCanvas() });
    failEncode = true;
    await expect(downscale(photoFile(800, 600))).rejects.toThrow("encode failed");
    expect(bitmaps[1].closed).toBe(true);
  });
});

/** A module worker running the real photo worker script in a scope of its own. */
function workerClass(opts: { failWith?: string; crash?: boolean } = {}) {
  const made: { url: string; type: string }[] = [];
  class FakeWorker {
    onmessage: ((ev: { data: unknown }) => void) | null = null;
    private scope: { onmessage: ((ev: { data: unknown }) => Promise<void>) | null; postMessage: (m: unknown) => void };
    private ready: Promise<void>;
    constructor(url: URL, options: { type: string }) {
      if (opts.crash) throw new Error("workers are disabled");
      made.push({ url: String(url), type: options.type });
      this.scope = { onmessage: null, postMessage: (m) => setTimeout(() => this.onmessage?.({ data: m }), 0) };
      vi.stubGlobal("self", this.scope);
      this.ready = import("../src/photos/downscale.worker").then(() => undefined);
    }
    postMessage(message: { id: number; file: Blob }) {
      if (opts.failWith !== undefined) {
        setTimeout(() => this.onmessage?.({ data: { id: message.id, ...(opts.failWith ? { error: opts.failWith } : {}) } }), 0);
        return;
      }
      void this.ready.then(() => this.scope.onmessage?.({ data: message }));
    }
  }
  return { FakeWorker, made };
}

describe("processing photos off the main thread", () => {
  it("does the work in the photo worker and matches each answer to its photo", async () => {
    const { FakeWorker, made } = workerClass();
    vi.stubGlobal("Worker", FakeWorker);
    const { processPhoto } = await import("../src/photos/process");
    const [a, b] = await Promise.all([processPhoto(photoFile(4000, 3000)), processPhoto(photoFile(3000, 4000))]);
    expect(await a.blob.text()).toBe("jpeg 1600x1200 q0.82");
    expect(await b.blob.text()).toBe("jpeg 1200x1600 q0.82");
    expect(made).toHaveLength(1);
    expect(made[0].url).toMatch(/downscale\.worker\.ts$/);
    expect(made[0].type).toBe("module");
  });

  it("does the work here when the worker fails or cannot start", async () => {
    for (const opts of [{ failWith: "decode failed" }, { failWith: "" }, { crash: true }]) {
      vi.resetModules();
      const { FakeWorker } = workerClass(opts);
      vi.stubGlobal("Worker", FakeWorker);
      const { processPhoto } = await import("../src/photos/process");
      expect(await (await processPhoto(photoFile(800, 600))).blob.text(), JSON.stringify(opts)).toBe("jpeg 800x600 q0.82");
    }
  });

  it("does the work here when the worker breaks instead of answering, and does not ask it again", async () => {
    const posted: number[] = [];
    const made: BrokenWorker[] = [];
    class BrokenWorker {
      onmessage: ((ev: unknown) => void) | null = null;
      onerror: ((ev: Event) => void) | null = null;
      terminated = false;
      constructor() {
        made.push(this);
      }
      postMessage(message: { id: number }) {
        posted.push(message.id);
        // A module that cannot load: an error event, and no answer ever.
        setTimeout(() => this.onerror?.(new Event("error")), 0);
      }
      terminate() {
        this.terminated = true;
      }
    }
    vi.stubGlobal("Worker", BrokenWorker);
    const { processPhoto } = await import("../src/photos/process");
    const [a, b] = await Promise.all([processPhoto(photoFile(800, 600)), processPhoto(photoFile(4000, 3000))]);
    expect(await a.blob.text()).toBe("jpeg 800x600 q0.82");
    expect(await b.blob.text()).toBe("jpeg 1600x1200 q0.82");
    expect(await (await processPhoto(photoFile(800, 600))).blob.text()).toBe("jpeg 800x600 q0.82");
    expect(posted).toHaveLength(2);
    expect(made).toHaveLength(1);
    expect(made[0].terminated).toBe(true);
  }, 15_000); // without an answer the photos wait for ever: fail well before the suite's timeout

  it("does the work here where there are no workers or no OffscreenCanvas", async () => {
    for (const missing of ["Worker", "OffscreenCanvas"]) {
      vi.resetModules();
      const { FakeWorker, made } = workerClass();
      vi.stubGlobal("Worker", FakeWorker);
      vi.stubGlobal(missing, undefined);
      if (missing === "OffscreenCanvas") vi.stubGlobal("document", { createElement: () => domCanvas() });
      const { processPhoto } = await import("../src/photos/process");
      expect(await (await processPhoto(photoFile(800, 600))).blob.text()).toBe("jpeg 800x600 q0.82");
      expect(made, missing).toEqual([]);
    }
  });

  it("reports a photo the worker could not read", async () => {
    const { FakeWorker } = workerClass();
    vi.stubGlobal("Worker", FakeWorker);
    await import("../src/photos/process");
    // The worker script answers an unreadable file with its error message.
    const answers: unknown[] = [];
    const scope = { onmessage: null as null | ((ev: { data: unknown }) => Promise<void>), postMessage: (m: unknown) => void answers.push(m) };
    vi.stubGlobal("self", scope);
    vi.resetModules();
    await import("../src/photos/downscale.worker");
    vi.stubGlobal("createImageBitmap", () => Promise.reject(new Error("not an image")));
    await scope.onmessage!({ data: { id: 7, file: new Blob(["?"]) } });
    vi.stubGlobal("createImageBitmap", () => Promise.reject("unreadable"));
    await scope.onmessage!({ data: { id: 8, file: new Blob(["?"]) } });
    // Even a failure with nothing in it gets an answer: the photo waits for one.
    vi.stubGlobal("createImageBitmap", () => Promise.reject(undefined));
    await scope.onmessage!({ data: { id: 9, file: new Blob(["?"]) } });
    expect(answers).toEqual([
      { id: 7, error: "not an image" },
      { id: 8, error: "unreadable" },
      { id: 9, error: "undefined" },
    ]);
  });

  it("stores camera files in order, once per photo", async () => {
    const { addPhotos } = await import("../src/photos/process");
    const files = [photoFile(4000, 3000), photoFile(800, 600), photoFile(4000, 3000)] as File[];
    const shas = await addPhotos(d, files);
    expect(shas[0]).toBe(shas[2]);
    expect(shas[0]).not.toBe(shas[1]);
    const rows = await d.photos.toArray();
    expect(rows).toHaveLength(2);
    expect((await d.photos.get(shas[1]))).toMatchObject({ status: "local", width: 800, height: 600, size: "jpeg 800x600 q0.82".length });
    expect(await (await d.photos.get(shas[1]))!.thumb!.text()).toBe("jpeg 320x240 q0.7");
  });
});

describe("photos from other phones", () => {
  let requests: string[];
  let api: ApiClient;
  let available: boolean;

  beforeEach(async () => {
    requests = [];
    available = true;
    await setMeta(d, META.session, { user: { id: 1, username: "u" }, access_token: "a", refresh_token: "r" });
    api = new ApiClient(d, async (url) => {
      requests.push(String(url));
      if (!available) return new Response(null, { status: 404 });
      return new Response(String(url).endsWith("size=thumb") ? "small" : "display", { status: 200 });
    });
  });

  const urlText = async (url: string | null) => (url ? await resolveObjectURL(url)!.text() : null);

  it("fetch a preview once, keep it for offline display, and fetch nothing more", async () => {
    const { loadRemoteThumb } = await import("../src/photos/remote");
    await Promise.all([loadRemoteThumb(d, api, "s1"), loadRemoteThumb(d, api, "s1")]);
    expect(requests).toEqual(["/api/photos/s1?size=thumb"]);
    const row = await d.photos.get("s1");
    expect(row).toMatchObject({ sha: "s1", size: 0, status: "remote", uploaded: 0, attempts: 0 });
    expect(await row!.thumb!.text()).toBe("small");
    await loadRemoteThumb(d, api, "s1");
    expect(requests).toHaveLength(1);
  });

  it("add a preview to a photo this phone holds without one", async () => {
    const { loadRemoteThumb } = await import("../src/photos/remote");
    await d.photos.put({ sha: "s2", blob: new Blob(["mine"]), size: 4, status: "uploaded", uploaded: 4, attempts: 1, createdAt: "x" });
    await loadRemoteThumb(d, api, "s2");
    const row = await d.photos.get("s2");
    expect(row).toMatchObject({ status: "uploaded", size: 4, attempts: 1 });
    expect(await row!.thumb!.text()).toBe("small");
  });

  it("store nothing when the server has no preview, and ask again later", async () => {
    const { loadRemoteThumb } = await import("../src/photos/remote");
    available = false;
    await loadRemoteThumb(d, api, "s3");
    expect(await d.photos.get("s3")).toBeUndefined();
    available = true;
    await loadRemoteThumb(d, api, "s3");
    expect(requests).toHaveLength(2);
    expect(await d.photos.get("s3")).toBeDefined();
  });

  it("fail quietly offline", async () => {
    const { loadRemoteThumb } = await import("../src/photos/remote");
    const offline = new ApiClient(d, async () => Promise.reject(new TypeError("offline")));
    await expect(loadRemoteThumb(d, offline, "s4")).resolves.toBeUndefined();
  });

  it("are shown at display size from this phone's own bytes, else from the server", async () => {
    const { displayPhotoUrl } = await import("../src/photos/remote");
    await d.photos.put({ sha: "own", blob: new Blob(["own bytes"]), size: 9, status: "local", uploaded: 0, attempts: 0, createdAt: "x" });
    expect(await urlText(await displayPhotoUrl(d, api, "own"))).toBe("own bytes");
    expect(requests).toEqual([]);
    expect(await urlText(await displayPhotoUrl(d, api, "theirs"))).toBe("display");
    expect(requests).toEqual(["/api/photos/theirs?size=display"]);
    available = false;
    expect(await displayPhotoUrl(d, api, "gone")).toBeNull();
  });
});

describe("answers from the photo worker", () => {
  /** A worker that answers with what it is given to answer, as the worker script's protocol says. */
  function answeringWorker(answer: (id: number) => unknown[]) {
    const posted: number[] = [];
    class AnsweringWorker {
      onmessage: ((ev: { data: unknown }) => void) | null = null;
      postMessage(message: { id: number }) {
        posted.push(message.id);
        for (const data of answer(message.id)) setTimeout(() => this.onmessage?.({ data }), 0);
      }
    }
    return { AnsweringWorker, posted };
  }

  it("are the photo, and a late second answer for the same photo changes nothing", async () => {
    const fromWorker = { sha: "w".repeat(64), blob: new Blob(["w"]), thumb: new Blob(["t"]), width: 1, height: 1 };
    const { AnsweringWorker, posted } = answeringWorker((id) => [{ id, result: fromWorker }, { id, result: fromWorker }, { id: 999, result: fromWorker }]);
    vi.stubGlobal("Worker", AnsweringWorker);
    const { processPhoto } = await import("../src/photos/process");
    expect(await processPhoto(photoFile(800, 600))).toBe(fromWorker);
    expect(await processPhoto(photoFile(800, 600))).toBe(fromWorker);
    expect(new Set(posted).size).toBe(2);
    expect(bitmaps).toEqual([]);
  });
});
