// Shared Vitest settings for every package. Each package's vitest.config.ts
// calls packageTestConfig() so that the root test command finds the JSON
// results and the coverage summary in the same place for every package.
import { defineConfig } from 'vitest/config';

/**
 * Builds the Vitest configuration of one package.
 *
 * @param {{ testTimeout?: number, include?: string[] }} [overrides]
 *   testTimeout is in milliseconds (default 30,000: stress tests with
 *   hundreds of thousands of messages run here on 2 cores).
 */
export function packageTestConfig(overrides = {}) {
  return defineConfig({
    test: {
      include: overrides.include ?? ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.test-results/results.json' },
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        reporter: ['text-summary', 'json-summary'],
        reportsDirectory: 'coverage',
      },
    },
  });
}
