import type { TraceStore } from '@whizbang/observability';
import { describeTraceStoreContract } from '@whizbang/testkit';

import { PostgresTraceStore } from '../src/index.js';
import { testDatabaseUrl, uniqueSchema } from './support/postgres.js';

describeTraceStoreContract(
  'PostgresTraceStore',
  () => new PostgresTraceStore({ connectionString: testDatabaseUrl(), schema: uniqueSchema('traces') }),
  { cleanup: (store: TraceStore) => store.close?.() },
);
