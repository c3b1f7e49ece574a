import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SequenceProvider } from '@whizbang/observability';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { countCallerNumbers, runSequenceWorkers, startGetNextLoops, type SequenceWorkerOptions } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'whizbang-testkit-workers-'));
const moduleUrl = new URL('./fixtures/counter-sequence-worker.mjs', import.meta.url);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function workerOptions(overrides: Partial<SequenceWorkerOptions> = {}): SequenceWorkerOptions {
  return {
    moduleUrl,
    exportName: 'createCounterProvider',
    settings: { start: 100, closedFile: join(directory, 'closed.txt') },
    streamKey: 'shared-stream',
    processes: 3,
    loopsPerProcess: 2,
    callsPerLoop: 50,
    ...overrides,
  };
}

describe('runSequenceWorkers', () => {
  it('collects every loop of every process', async () => {
    const closedFile = join(directory, 'closed-collect.txt');

    const callers = await runSequenceWorkers(workerOptions({ settings: { start: 100, closedFile } }));

    expect(callers).toHaveLength(6);
    for (const numbers of callers) expect(numbers).toHaveLength(50);
    expect(Math.min(...callers.flat())).toBe(101);
    expect(Math.max(...callers.flat())).toBe(200);
    expect(readFileSync(closedFile, 'utf8')).toBe('closed\n'.repeat(3));
  });

  it('reports a failing factory with its error', async () => {
    await expect(runSequenceWorkers(workerOptions({ exportName: 'createFailingProvider' }))).rejects.toThrow(
      /Sequence worker process \d exited with code 1: .*cannot reach the counter store/s,
    );
  });

  it('reports an export that is not a function', async () => {
    await expect(runSequenceWorkers(workerOptions({ exportName: 'notAFunction' }))).rejects.toThrow(
      /export "notAFunction" of .* is not a function that builds a provider/,
    );
  });

  it('kills a process that runs too long', async () => {
    await expect(runSequenceWorkers(workerOptions({ exportName: 'createHangingProvider', processes: 1, timeoutMs: 1_000 }))).rejects.toThrow(
      'Sequence worker process 0 timed out after 1000 ms',
    );
  });

  it.each([
    ['no export name', { exportName: '' }, TypeError],
    ['a non-string stream key', { streamKey: 42 as unknown as string }, TypeError],
    ['zero processes', { processes: 0 }, RangeError],
    ['fractional loops', { loopsPerProcess: 1.5 }, RangeError],
    ['too many calls', { callsPerLoop: 10_000_001 }, RangeError],
  ])('rejects %s', (_case, overrides, errorClass) => {
    expect(() => runSequenceWorkers(workerOptions(overrides))).toThrow(errorClass);
  });
});

describe('countCallerNumbers', () => {
  it('counts distinct increasing numbers', () => {
    expect(countCallerNumbers([[1, 3, 5], [2, 4]])).toEqual({ total: 5, distinct: 5, unordered: 0 });
  });

  it('counts a number handed out twice', () => {
    expect(countCallerNumbers([[1, 2], [2, 3]])).toEqual({ total: 4, distinct: 3, unordered: 0 });
  });

  it('counts numbers out of order within a caller', () => {
    expect(countCallerNumbers([[1, 3, 2, 2], [4]])).toEqual({ total: 5, distinct: 4, unordered: 2 });
  });

  it('counts nothing for no callers', () => {
    expect(countCallerNumbers([])).toEqual({ total: 0, distinct: 0, unordered: 0 });
  });
});

describe('startGetNextLoops', () => {
  it('records numbers and errors until stopped', async () => {
    let last = 0;
    const provider: SequenceProvider = {
      name: 'flaky',
      getNext: () => {
        last++;
        return last % 3 === 0 ? Promise.reject(new Error(`call ${last} failed`)) : Promise.resolve(last);
      },
      getCurrent: () => Promise.resolve(last),
      reset: () => Promise.resolve(),
    };

    const loops = startGetNextLoops(provider, 'order-42', 4);
    await vi.waitFor(() => expect(loops.errorCount()).toBeGreaterThan(30));
    await loops.stop();

    expect(loops.results).toHaveLength(4);
    const numbers = loops.results.flatMap((result) => result.numbers);
    const errors = loops.results.flatMap((result) => result.errors);
    expect(loops.numberCount()).toBe(numbers.length);
    expect(loops.errorCount()).toBe(errors.length);
    expect(numbers.length + errors.length).toBe(last);
    expect(numbers.every((value) => value % 3 !== 0)).toBe(true);
    expect(errors.every((error) => error instanceof Error && / failed$/.test(error.message))).toBe(true);
    for (const result of loops.results) expect(result.maxCallMs).toBeGreaterThanOrEqual(0);

    // After stop() no loop calls getNext again.
    const calls = last;
    await new Promise((resolve) => setImmediate(resolve));
    expect(last).toBe(calls);
  });

  it.each([
    ['a provider without getNext', {} as SequenceProvider, 'order-42', 1, TypeError],
    ['a non-string stream key', { getNext: () => Promise.resolve(1) } as unknown as SequenceProvider, 7 as unknown as string, 1, TypeError],
    ['zero loops', { getNext: () => Promise.resolve(1) } as unknown as SequenceProvider, 'order-42', 0, RangeError],
  ])('rejects %s', (_case, provider, streamKey, loops, errorClass) => {
    expect(() => startGetNextLoops(provider, streamKey, loops)).toThrow(errorClass);
  });
});
