// Initial-load budget: the JS and CSS that index.html loads (entry script,
// its modulepreloads, stylesheets), gzipped, must stay within BUDGET_KB.
// Lazy chunks (the lead's huddle board …), the service worker and the photo
// worker are not counted, but every chunk is reported with its size.
// Prints the figures on every build; exits 1 when over budget.
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BUDGET_KB = 120;

/** The JS/CSS files index.html loads directly. */
export function initialAssets(html) {
  const urls = new Set();
  const re = /<(script|link)\b[^>]*>/gi;
  for (const [tag, name] of html.matchAll(re)) {
    const attr = (n) => (new RegExp(`\\b${n}=["']([^"']+)["']`, "i").exec(tag) || [])[1];
    if (name.toLowerCase() === "script") {
      const src = attr("src");
      if (src) urls.add(src);
    } else {
      const rel = (attr("rel") || "").toLowerCase();
      const href = attr("href");
      if (href && (rel === "stylesheet" || rel === "modulepreload")) urls.add(href);
    }
  }
  return [...urls].filter((u) => /\.(m?js|css)$/.test(u) && !/^https?:/.test(u));
}

/** Gzipped sizes of the initial assets in `dist`. */
export function measure(dist) {
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const files = initialAssets(html).map((url) => {
    const bytes = readFileSync(join(dist, url.replace(/^\//, "")));
    return { url, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  const gzip = files.reduce((n, f) => n + f.gzip, 0);
  const raw = files.reduce((n, f) => n + f.raw, 0);
  return { files, raw, gzip, budget: BUDGET_KB * 1024, chunks: chunks(dist, new Set(files.map((f) => f.url))) };
}

/** Every JS/CSS file the build made under assets/, with its size and whether the first load takes it. */
export function chunks(dist, initialUrls = new Set()) {
  const dir = join(dist, "assets");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.(m?js|css)$/.test(name))
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name));
      const url = `/assets/${name}`;
      return { url, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, initial: initialUrls.has(url) };
    });
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
  if (!existsSync(join(dist, "index.html"))) {
    console.error("budget: dist/index.html is missing; run the build first");
    process.exit(1);
  }
  const result = measure(dist);
  const line = (f) => `  ${f.url}  ${(f.raw / 1024).toFixed(1)} KB raw, ${(f.gzip / 1024).toFixed(1)} KB gzip`;
  console.log("initial load:");
  for (const f of result.files) console.log(line(f));
  console.log("lazy chunks (loaded on first use, precached by the service worker):");
  for (const f of result.chunks.filter((c) => !c.initial)) console.log(line(f));
  const kb = (result.gzip / 1024).toFixed(1);
  const ok = result.gzip <= result.budget;
  console.log(`budget: initial JS+CSS ${kb} KB gzipped of ${BUDGET_KB} KB ${ok ? "OK" : "EXCEEDED"}`);
  writeFileSync(join(dist, "budget.json"), JSON.stringify(result, null, 2));
  if (!ok) process.exit(1);
}
