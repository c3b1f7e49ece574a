import { describeSequenceProviderContract } from '@whizbang/testkit';
import { afterAll, beforeAll } from 'vitest';

import { SqliteSequenceProvider } from '../src/index.js';
import { createTemporaryDirectory, type TemporaryDirectory } from './temp-directory.js';

let directory: TemporaryDirectory;
let fileCount = 0;

beforeAll(async () => {
  directory = await createTemporaryDirectory();
});

afterAll(async () => {
  await directory.remove();
});

// In memory with the contract's full counts: 1,000 concurrent callers of 1,000 calls each.
describeSequenceProviderContract('SqliteSequenceProvider in memory', () => new SqliteSequenceProvider(), {
  cleanup: (provider) => (provider as SqliteSequenceProvider).close(),
});

// On a file in WAL mode every call is a real transaction with file locking (about 20 µs), so
// the concurrency check uses 100 callers of 100 calls to stay within the test time limit.
describeSequenceProviderContract(
  'SqliteSequenceProvider on a file',
  () => {
    fileCount += 1;
    return new SqliteSequenceProvider({ path: directory.file(`contract-${fileCount}.db`) });
  },
  {
    concurrentCallers: 100,
    callsPerCaller: 100,
    cleanup: (provider) => (provider as SqliteSequenceProvider).close(),
  },
);
