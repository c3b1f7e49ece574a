import { describeTraceStoreContract } from '@whizbang/testkit';
import { afterAll, beforeAll } from 'vitest';

import { SqliteTraceStore } from '../src/index.js';
import { createTemporaryDirectory, type TemporaryDirectory } from './temp-directory.js';

let directory: TemporaryDirectory;
let fileCount = 0;

beforeAll(async () => {
  directory = await createTemporaryDirectory();
});

afterAll(async () => {
  await directory.remove();
});

// In memory: the contract's queries without file I/O.
describeTraceStoreContract('SqliteTraceStore in memory', () => new SqliteTraceStore(), {
  cleanup: (store) => store.close?.(),
});

// On a file in WAL mode, with small batches so that the checks' traces span several transactions
// and periodic checkpoints run.
describeTraceStoreContract(
  'SqliteTraceStore on a file',
  () => {
    fileCount += 1;
    return new SqliteTraceStore({ path: directory.file(`contract-${fileCount}.db`), batchSize: 7, checkpointEveryBatches: 3 });
  },
  { cleanup: (store) => store.close?.() },
);
