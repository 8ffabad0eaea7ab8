// Draws the app icons (a white street grid with an orange patrol marker on teal)
// as plain PNGs, so the repository needs no image tooling to rebuild them.
import { writeFileSync, mkdirSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "icons");
const TEAL = [15, 118, 110];
const WHITE = [255, 255, 255];
const ORANGE = [249, 115, 22];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function encodePng(size, pixel) {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(x, y);
      const o = y * (size * 3 + 1) + 1 + x * 3;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The artwork occupies `scale` of the icon, centred (maskable icons need a safe zone). */
function artwork(size, scale) {
  const inner = size * scale;
  const x0 = (size - inner) / 2;
  const line = Math.max(2, Math.round(inner * 0.045));
  const cells = 3;
  const pinX = x0 + inner * 0.66;
  const pinY = x0 + inner * 0.34;
  const pinR = inner * 0.12;
  return (x, y) => {
    const dx = x - pinX;
    const dy = y - pinY;
    const d2 = dx * dx + dy * dy;
    if (d2 <= pinR * pinR) return d2 <= (pinR * 0.4) ** 2 ? WHITE : ORANGE;
    const u = x - x0;
    const v = y - x0;
    if (u < 0 || v < 0 || u > inner || v > inner) return TEAL;
    for (let i = 0; i <= cells; i++) {
      const p = (inner - line) * (i / cells);
      if ((u >= p && u < p + line) || (v >= p && v < p + line)) return WHITE;
    }
    return TEAL;
  };
}

mkdirSync(OUT, { recursive: true });
const icons = [
  ["icon-192.png", 192, 0.7],
  ["icon-512.png", 512, 0.7],
  ["maskable-512.png", 512, 0.5],
  ["apple-touch-icon.png", 180, 0.7],
];
for (const [name, size, scale] of icons) {
  writeFileSync(join(OUT, name), encodePng(size, artwork(size, scale)));
  console.log(`wrote public/icons/${name}`);
}
