import type { SequenceProvider } from '@whizbang/observability';
import { describeSequenceProviderContract } from '@whizbang/testkit';

import { PostgresSequenceProvider } from '../src/index.js';
import { testDatabaseUrl, uniqueSchema } from './support/postgres.js';

// Each call is a round trip to a real server, so the concurrency check uses 50 callers of 100
// calls each (5,000 numbers) instead of the default million. The callers still run at once.
const contractOptions = {
  concurrentCallers: 50,
  callsPerCaller: 100,
  cleanup: (provider: SequenceProvider) => (provider as PostgresSequenceProvider).close(),
};

describeSequenceProviderContract(
  'PostgresSequenceProvider',
  () => new PostgresSequenceProvider({ connectionString: testDatabaseUrl(), schema: uniqueSchema('contract') }),
  contractOptions,
);

describeSequenceProviderContract(
  'PostgresSequenceProvider with blocks of 100',
  () => new PostgresSequenceProvider({ connectionString: testDatabaseUrl(), schema: uniqueSchema('contract'), blockSize: 100 }),
  contractOptions,
);
