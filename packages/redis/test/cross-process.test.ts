import { countCallerNumbers, runSequenceWorkers } from '@whizbang/testkit';
import { describe, expect, it } from 'vitest';

import { postgresUrl, redisUrl, uniquePrefix } from './support/servers.js';

const PROCESSES = 2;
const LOOPS = 4;
const CALLS = 10_000;

describe('RedisSequenceProvider across processes', () => {
  it.each([
    ['without floor', false, 1, false],
    ['with a floor step of 100', true, 100, false],
    ['with a floor step of 100 and auto-pipelining', true, 100, true],
  ])('hands out distinct numbers (%s)', async (_label, withFloor, floorStep, autoPipelining) => {
    const callers = await runSequenceWorkers({
      moduleUrl: new URL('./fixtures/sequence-worker.mjs', import.meta.url),
      exportName: 'createProvider',
      settings: {
        url: redisUrl(),
        keyPrefix: uniquePrefix('cross'),
        floorUrl: withFloor ? postgresUrl() : null,
        floorNamespace: uniquePrefix('floor'),
        floorStep,
        autoPipelining,
      },
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
  });
});
