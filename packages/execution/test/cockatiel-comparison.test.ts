import { bulkhead, BulkheadRejectedError as CockatielRejectedError } from 'cockatiel';
import { describe, expect, it } from 'vitest';

import { ParallelExecutor } from '../src/index.js';
import { contextOf, envelopeOf, flushMicrotasks, gate, outcomeOf } from './helpers.js';

// These tests pin the cockatiel 3.2.1 bulkhead behaviours that made this package keep its own
// bulkhead (see docs/execution.md). If a cockatiel upgrade makes them fail, revisit that choice.

const envelope = envelopeOf('comparison');
const context = contextOf(envelope);

describe('bulkhead compared with cockatiel 3.2.1', () => {
  it('hands freed slot to queued call first', async () => {
    const order = async (submit: (name: string, work: () => Promise<void>) => Promise<unknown>): Promise<string[]> => {
      const started: string[] = [];
      const gateA = gate();
      const calls = [
        // Returns the gate itself, so the bulkhead's own reaction to it is registered first.
        submit('A', () => {
          started.push('A');
          return gateA.promise;
        }),
        submit('B', async () => {
          started.push('B');
        }),
      ];

      // Registered after the bulkhead's reaction to A, so C is submitted right after A settles.
      const late = gateA.promise.then(() =>
        submit('C', async () => {
          started.push('C');
        }),
      );

      gateA.open();
      await late;
      await Promise.all(calls);
      await flushMicrotasks();
      return started;
    };

    const policy = bulkhead(1, 10);
    const cockatielOrder = await order((_name, work) => policy.execute(work));

    const executor = new ParallelExecutor({ maxConcurrency: 1, recordHops: false });
    await executor.start();
    const executorOrder = await order((_name, work) => executor.execute(envelope, work, context));

    expect(cockatielOrder).toEqual(['A', 'C', 'B']);
    expect(executorOrder).toEqual(['A', 'B', 'C']);
  });

  it('frees aborted queue place at once', async () => {
    const policy = bulkhead(1, 1);
    const holdCockatiel = gate();
    const cockatielHolder = policy.execute(() => holdCockatiel.promise);
    const cockatielAbort = new AbortController();
    const cockatielAborted = outcomeOf(policy.execute(() => 'aborted', cockatielAbort.signal));
    cockatielAbort.abort();
    const cockatielNext = await outcomeOf(policy.execute(() => 'next'));

    expect((cockatielNext as { error: unknown }).error).toBeInstanceOf(CockatielRejectedError);

    const executor = new ParallelExecutor({ maxConcurrency: 1, maxQueue: 1, recordHops: false });
    await executor.start();
    const holdExecutor = gate();
    const executorHolder = executor.execute(envelope, () => holdExecutor.promise, context);
    const executorAbort = new AbortController();
    const executorAborted = outcomeOf(executor.execute(envelope, () => 'aborted', context, executorAbort.signal));
    executorAbort.abort();
    const executorNext = executor.execute(envelope, () => 'next', context);

    // Here the aborted caller is rejected at once; cockatiel rejects it only when it is dequeued.
    let cockatielAbortedSettled = false;
    void cockatielAborted.then(() => (cockatielAbortedSettled = true));
    await flushMicrotasks();
    expect(cockatielAbortedSettled).toBe(false);
    expect((await executorAborted).ok).toBe(false);

    holdCockatiel.open();
    holdExecutor.open();
    await Promise.all([cockatielHolder, executorHolder, cockatielAborted]);
    await expect(executorNext).resolves.toBe('next');
  });
});
