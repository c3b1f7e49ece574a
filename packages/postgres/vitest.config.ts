import { defineConfig, mergeConfig } from 'vitest/config';

import { packageTestConfig } from '../../vitest.shared.mjs';

// The global setup creates a database for this run and drops it afterwards, also when tests fail.
// Files run one at a time because several of them load the server with thousands of statements.
export default mergeConfig(
  packageTestConfig({ testTimeout: 60_000 }),
  defineConfig({ test: { globalSetup: ['./test/support/global-setup.ts'], fileParallelism: false } }),
);
