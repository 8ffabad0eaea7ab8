import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config";

// Stryker runs the suite in a copy of pwa/ at pwa/.stryker-tmp/sandbox-*/, where
// the repository's shared fixtures (tests/fixtures/, imported as
// "../../tests/fixtures/…") are two levels further up than in pwa/ itself.
const here = fileURLToPath(new URL(".", import.meta.url));
const fixtures = [`${here}../tests/fixtures/`, `${here}../../../tests/fixtures/`].find((dir) => existsSync(dir));

// The suite Stryker runs against each mutant of src/sync and src/photos. The
// bundle-budget test builds and measures dist/, which says nothing about those
// modules and would build the instrumented sources into the sandbox, so it is
// left to the ordinary `vitest run`.
export default mergeConfig(
  base,
  defineConfig({
    resolve: { alias: fixtures ? [{ find: /^(\.\.\/)+tests\/fixtures\//, replacement: fixtures }] : [] },
    test: { exclude: ["test/budget.test.ts", "**/node_modules/**"] },
  }),
);
