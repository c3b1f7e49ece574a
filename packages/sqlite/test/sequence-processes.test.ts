import { runSequenceWorkers } from '@whizbang/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SqliteSequenceProvider } from '../src/index.js';
import { createTemporaryDirectory, type TemporaryDirectory } from './temp-directory.js';

let directory: TemporaryDirectory;

beforeAll(async () => {
  directory = await createTemporaryDirectory();
});

afterAll(async () => {
  await directory.remove();
});

describe('SqliteSequenceProvider across processes', () => {
  it('hands out distinct numbers to two processes', { timeout: 120_000 }, async () => {
    const path = directory.file('shared-sequences.db');
    const stream = 'order-"42"; \n ключ';
    const processes = 2;
    const loops = 4;
    const calls = 10_000;

    // Create the file first so the two children do not both switch it to WAL mode.
    new SqliteSequenceProvider({ path }).close();

    const callers = await runSequenceWorkers({
      moduleUrl: new URL('./fixtures/sequence-worker.mjs', import.meta.url),
      exportName: 'createProvider',
      settings: { path },
      streamKey: stream,
      processes,
      loopsPerProcess: loops,
      callsPerLoop: calls,
    });

    expect(callers).toHaveLength(processes * loops);
    for (const [index, numbers] of callers.entries()) {
      expect(numbers, `numbers of caller ${index}`).toHaveLength(calls);
      for (let call = 1; call < numbers.length; call++) {
        if (!((numbers[call] as number) > (numbers[call - 1] as number))) {
          expect.fail(`caller ${index} got ${numbers[call]} after ${numbers[call - 1]} at call ${call}`);
        }
      }
    }

    const all = new Set(callers.flat());
    expect(all.size).toBe(processes * loops * calls);
    const sorted = [...all].sort((a, b) => a - b);
    expect(sorted[0]).toBe(1);
    expect(sorted[sorted.length - 1]).toBe(processes * loops * calls);

    const provider = new SqliteSequenceProvider({ path });
    expect(await provider.getCurrent(stream)).toBe(processes * loops * calls);
    provider.close();
  });
});
