import { defineConfig, mergeConfig } from 'vitest/config';

import { packageTestConfig } from '../../vitest.shared.mjs';

// The global setup picks a random key prefix and creates a PostgreSQL database for the durable
// floor. Its teardown deletes the keys and drops the database, also when tests fail. Files run
// one at a time because several of them start their own redis-server or load the server hard.
export default mergeConfig(
  packageTestConfig({ testTimeout: 60_000 }),
  defineConfig({ test: { globalSetup: ['./test/support/global-setup.ts'], fileParallelism: false } }),
);
