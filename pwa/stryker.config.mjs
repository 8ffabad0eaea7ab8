// Mutation testing of the sync client and the photo pipeline: the modules that
// decide whether a report made offline reaches the server once and only once.
// Run with `npm run mutation`; pass `-- --mutate src/sync/outbox.ts` to try one file.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // Only TypeScript sources: the tests live in test/, and the generated entity
  // spec (src/sync/entities.json, written from the Python rules) is data, not code.
  mutate: ["src/sync/**/*.ts", "src/photos/**/*.ts"],
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  coverageAnalysis: "perTest",
  // The machine's two cores are shared.
  concurrency: 2,
  reporters: ["clear-text", "json", "progress"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};
