import { countCallerNumbers, runSequenceWorkers } from '@whizbang/testkit';
import { describe, expect, it } from 'vitest';

import { testDatabaseUrl, uniqueSchema } from './support/postgres.js';

const PROCESSES = 2;
const LOOPS = 4;
const CALLS = 10_000;

describe('PostgresSequenceProvider across processes', () => {
  it.each([1, 100])('hands out distinct numbers (blockSize %i)', async (blockSize) => {
    const callers = await runSequenceWorkers({
      moduleUrl: new URL('./fixtures/sequence-worker.mjs', import.meta.url),
      exportName: 'createProvider',
      settings: { connectionString: testDatabaseUrl(), schema: uniqueSchema(), blockSize, maxConnections: LOOPS },
      streamKey: 'shared-stream',
      processes: PROCESSES,
      loopsPerProcess: LOOPS,
      callsPerLoop: CALLS,
    });
    const { total, distinct, unordered } = countCallerNumbers(callers);

    expect(callers).toHaveLength(PROCESSES * LOOPS);
    expect(total).toBe(PROCESSES * LOOPS * CALLS);
    expect(distinct).toBe(total);
    expect(unordered).toBe(0);
    if (blockSize === 1) expect(Math.max(...callers.flat())).toBe(total);
  });
});
