import { describe, expect, it } from "vitest";
import { CHUNK_SIZE, chunkPlan, fitWithin, sha256Hex, toHex } from "../src/photos/geometry";

describe("fitWithin", () => {
  it("scales the long edge down to 1600", () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 });
  });
  it("never upscales", () => expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 }));
  it("keeps at least one pixel", () => expect(fitWithin(10000, 1)).toEqual({ width: 1600, height: 1 }));
  it("rejects empty images", () => expect(() => fitWithin(0, 10)).toThrow());
});

describe("chunkPlan", () => {
  it("covers the file in 256 KB chunks", () => {
    const plan = chunkPlan(600 * 1024);
    expect(plan).toEqual([
      { start: 0, end: CHUNK_SIZE },
      { start: CHUNK_SIZE, end: 2 * CHUNK_SIZE },
      { start: 2 * CHUNK_SIZE, end: 600 * 1024 },
    ]);
  });
  it("resumes from an offset", () => expect(chunkPlan(10, 4, 4)).toEqual([{ start: 4, end: 8 }, { start: 8, end: 10 }]));
  it("is empty when everything was sent", () => expect(chunkPlan(10, 10, 4)).toEqual([]));
  it("handles an exact multiple", () => expect(chunkPlan(8, 0, 4)).toEqual([{ start: 0, end: 4 }, { start: 4, end: 8 }]));
});

describe("hash", () => {
  it("hex-encodes bytes", () => expect(toHex(new Uint8Array([0, 15, 255]))).toBe("000fff"));
  it("is the SHA-256 of the bytes", async () => {
    expect(await sha256Hex(new TextEncoder().encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
