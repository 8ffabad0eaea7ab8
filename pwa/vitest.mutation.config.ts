import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config";

// The suite Stryker runs against each mutant of src/sync and src/photos. The
// bundle-budget test builds and measures dist/, which says nothing about those
// modules and would build the instrumented sources into the sandbox, so it is
// left to the ordinary `vitest run`.
export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: ["test/budget.test.ts", "**/node_modules/**"] },
  }),
);
