import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUDGET_KB, initialAssets, measure } from "../scripts/budget.mjs";

const ROOT = join(__dirname, "..");
const DIST = join(ROOT, "dist");

/** Newest modification time among the files that go into the build. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, "src"));
  walk(join(ROOT, "public"));
  for (const f of ["index.html", "vite.config.ts", "package-lock.json"]) newest = Math.max(newest, statSync(join(ROOT, f)).mtimeMs);
  return newest;
}

describe("initial bundle", () => {
  it("counts only what index.html loads", () => {
    const html = `<script type="module" crossorigin src="/assets/index-a.js"></script>
      <link rel="modulepreload" href="/assets/vendor-b.js"><link rel="stylesheet" href="/assets/index-c.css">
      <link rel="manifest" href="/manifest.webmanifest"><link rel="icon" href="/icons/icon-192.png">`;
    expect(initialAssets(html)).toEqual(["/assets/index-a.js", "/assets/vendor-b.js", "/assets/index-c.css"]);
  });

  it(`stays within ${BUDGET_KB} KB gzipped`, () => {
    const built = join(DIST, "index.html");
    if (!existsSync(built) || statSync(built).mtimeMs < newestSource()) {
      // A fresh clone or a stale dist: build (without the type-check) so the
      // budget is enforced on what the sources make now.
      execFileSync(process.execPath, [join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "error"], {
        cwd: ROOT,
        stdio: "inherit",
        // vitest runs with NODE_ENV=test, which would build Preact's debug code.
        env: { ...process.env, NODE_ENV: "production" },
      });
    }
    const result = measure(DIST);
    console.log(`initial JS+CSS: ${(result.gzip / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)`);
    expect(result.files.length).toBeGreaterThan(0);
    expect(result.gzip).toBeLessThanOrEqual(BUDGET_KB * 1024);
  });

  it("keeps the lead's huddle board and team records out of the first load, in chunks of their own", () => {
    const result = measure(DIST);
    const lazy = result.chunks.filter((c) => !c.initial).map((c) => c.url);
    for (const name of ["Board", "TeamRecords"]) {
      expect(lazy.some((url) => url.startsWith(`/assets/${name}-`)), name).toBe(true);
      expect(result.files.some((f) => f.url.startsWith(`/assets/${name}-`)), name).toBe(false);
    }
    // Every initial file is among the chunks, marked so.
    for (const f of result.files) expect(result.chunks.find((c) => c.url === f.url)?.initial).toBe(true);
  });
});
