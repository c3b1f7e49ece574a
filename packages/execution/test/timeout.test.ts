import { getEventListeners } from 'node:events';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ExecutionTimeoutError, ParallelExecutor, SerialExecutor } from '../src/index.js';
import { contextOf, envelopeOf, gate, outcomeOf } from './helpers.js';

const envelope = envelopeOf('timeout');
const context = contextOf(envelope);

describe('timeoutMs', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts the handler signal and rejects with ExecutionTimeoutError naming the limit', async () => {
    const executor = new SerialExecutor({ bulkheadName: 'payments', timeoutMs: 250, recordHops: false });
    let handlerSignal: AbortSignal | undefined;
    const timeouts: number[] = [];

    executor.on('timeout', ({ timeoutMs }) => timeouts.push(timeoutMs));
    await executor.start();

    const outcome = outcomeOf(
      executor.execute(
        envelope,
        (_env, _context, signal) => {
          handlerSignal = signal;
          return new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
          });
        },
        context,
      ),
    );

    await vi.advanceTimersByTimeAsync(249);
    expect(handlerSignal?.aborted).toBe(false);

    await vi.advanceTimersByTimeAsync(1);
    const result = await outcome;

    expect(handlerSignal?.aborted).toBe(true);
    expect(result.ok).toBe(false);
    const error = (result as { error: ExecutionTimeoutError }).error;
    expect(error).toBeInstanceOf(ExecutionTimeoutError);
    expect(error.timeoutMs).toBe(250);
    expect(error.executor).toBe('payments');
    expect(error.message).toContain('250 ms');
    expect(handlerSignal?.reason).toBe(error);
    expect(timeouts).toEqual([250]);
    expect(executor.readMetrics().timedOut).toBe(1);
  });

  it('lets a handler that ignores its signal keep its slot, counted as overdue', async () => {
    const executor = new ParallelExecutor({ maxConcurrency: 2, timeoutMs: 100, recordHops: false });
    const stubborn = gate();
    let started = 0;

    await executor.start();

    const first = outcomeOf(executor.execute(envelope, () => stubborn.promise, context));
    const second = outcomeOf(executor.execute(envelope, () => stubborn.promise, context));
    const third = executor.execute(
      envelope,
      () => {
        started++;
        return 'third';
      },
      context,
    );

    await vi.advanceTimersByTimeAsync(100);
    expect((await first).ok).toBe(false);
    expect((await second).ok).toBe(false);

    let metrics = executor.readMetrics();
    expect(metrics.overdue).toBe(2);
    expect(metrics.inFlight).toBe(2);
    expect(metrics.queueDepth).toBe(1);
    expect(started).toBe(0);

    stubborn.open();
    await expect(third).resolves.toBe('third');

    metrics = executor.readMetrics();
    expect(metrics.overdue).toBe(0);
    expect(metrics.inFlight).toBe(0);
    expect(metrics.executed).toBe(3);
  });

  it('uses one shared timer for many messages and disarms it afterwards', async () => {
    const executor = new ParallelExecutor({ maxConcurrency: 100, timeoutMs: 1_000, recordHops: false });
    const release = gate();
    let maxTimers = 0;

    await executor.start();

    const calls: Promise<unknown>[] = [];

    for (let index = 0; index < 1_000; index++) {
      calls.push(executor.execute(envelope, () => release.promise, context));
      maxTimers = Math.max(maxTimers, vi.getTimerCount());

      if (index % 10 === 0) {
        await vi.advanceTimersByTimeAsync(1);
      }
    }

    release.open();
    await Promise.all(calls);

    expect(maxTimers).toBe(1);
    expect(executor.readMetrics().timedOut).toBe(0);

    // The timer fires once more at the last armed deadline, finds nothing due and stays off.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the timer when the executor stops', async () => {
    const executor = new SerialExecutor({ timeoutMs: 5_000, recordHops: false });

    await executor.start();
    await executor.execute(envelope, () => 'done', context);
    expect(vi.getTimerCount()).toBe(1);

    await executor.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out each of several handlers at its own deadline', async () => {
    const executor = new ParallelExecutor({ timeoutMs: 100, recordHops: false });
    const timedOutAt: number[] = [];

    await executor.start();

    const start = Date.now();
    const outcomes: Promise<unknown>[] = [];

    for (const delay of [0, 30, 60]) {
      if (delay > 0) {
        await vi.advanceTimersByTimeAsync(30);
      }

      outcomes.push(
        executor
          .execute(envelope, () => new Promise(() => undefined), context)
          .catch((error: unknown) => {
            timedOutAt.push(Date.now() - start);
            return error;
          }),
      );
    }

    await vi.advanceTimersByTimeAsync(200);
    await Promise.all(outcomes);

    expect(timedOutAt).toEqual([100, 130, 160]);
    expect(executor.readMetrics().overdue).toBe(3);
  });
});

describe('caller signal hygiene', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves a reused signal with as many abort listeners as before', async () => {
    const executor = new ParallelExecutor({ maxConcurrency: 8, timeoutMs: 50, recordHops: false });
    const controller = new AbortController();
    const signal = controller.signal;
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };

    process.on('warning', onWarning);
    signal.addEventListener('abort', () => undefined);
    const before = getEventListeners(signal, 'abort').length;
    let maxDuring = 0;

    await executor.start();

    try {
      const outcomes: Promise<unknown>[] = [];

      for (let index = 0; index < 1_000; index++) {
        // A third of the handlers time out, the rest finish at once or after a tick.
        const kind = index % 3;
        outcomes.push(
          outcomeOf(
            executor.execute(
              envelope,
              (_env, _context, handlerSignal) =>
                kind === 0
                  ? new Promise((_resolve, reject) => {
                      handlerSignal.addEventListener('abort', () => reject(handlerSignal.reason as Error), { once: true });
                    })
                  : kind === 1
                    ? index
                    : Promise.resolve(index),
              context,
              signal,
            ),
          ),
        );
        maxDuring = Math.max(maxDuring, getEventListeners(signal, 'abort').length);

        if (index % 50 === 0) {
          await vi.advanceTimersByTimeAsync(60);
        }
      }

      await vi.advanceTimersByTimeAsync(1_000);
      await Promise.all(outcomes);
      await vi.advanceTimersByTimeAsync(0);

      expect(getEventListeners(signal, 'abort').length).toBe(before);
      expect(maxDuring).toBeLessThanOrEqual(before + 1);
      expect(executor.readMetrics().timedOut).toBeGreaterThan(300);
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('removes its listener when the signal aborts', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const controller = new AbortController();
    const release = gate();

    await executor.start();

    const running = outcomeOf(executor.execute(envelope, () => release.promise, context, controller.signal));
    const queued = outcomeOf(executor.execute(envelope, () => 'never', context, controller.signal));
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);

    controller.abort();
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
    expect((await running).ok).toBe(false);
    expect((await queued).ok).toBe(false);

    release.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(executor.readMetrics().inFlight).toBe(0);
  });

  it('rejects at once for a signal that is already aborted', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    let ran = false;

    await executor.start();

    const reason = new Error('already aborted');
    await expect(
      executor.execute(
        envelope,
        () => {
          ran = true;
        },
        context,
        AbortSignal.abort(reason),
      ),
    ).rejects.toBe(reason);
    expect(ran).toBe(false);
    expect(executor.readMetrics().rejected).toBe(1);
  });

  it('aborts a running handler when its caller signal aborts', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const controller = new AbortController();
    let handlerSignal: AbortSignal | undefined;
    const release = gate();

    await executor.start();

    const call = outcomeOf(
      executor.execute(
        envelope,
        (_env, _context, signal) => {
          handlerSignal = signal;
          return release.promise;
        },
        context,
        controller.signal,
      ),
    );
    const next = executor.execute(envelope, () => 'next', context);

    const reason = new Error('caller gave up');
    controller.abort(reason);

    expect(handlerSignal?.aborted).toBe(true);
    expect(handlerSignal?.reason).toBe(reason);
    expect(await call).toEqual({ ok: false, error: reason });
    expect(executor.readMetrics().overdue).toBe(1);

    // The handler ignored its signal: the next message waits until it really settles.
    release.open();
    await expect(next).resolves.toBe('next');
  });
});
