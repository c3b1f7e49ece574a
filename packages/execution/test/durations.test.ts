import { afterEach, describe, expect, it, vi } from 'vitest';

import { ParallelExecutor, SerialExecutor, type ExecutorOptions } from '../src/index.js';
import { contextOf, envelopeOf, flushMicrotasks, gate, outcomeOf } from './helpers.js';

const envelope = envelopeOf('durations');
const context = contextOf(envelope);

/** A handler that settles `ms` milliseconds of (fake) time after it starts. */
function sleeper(ms: number): () => Promise<void> {
  return () => new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs one handler of `ms` milliseconds and waits for it, advancing the fake clock. */
async function runFor(executor: SerialExecutor, ms: number): Promise<void> {
  const call = executor.execute(envelope, sleeper(ms), context);
  await vi.advanceTimersByTimeAsync(ms);
  await call;
}

describe('duration measurement', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('reads no clock when nothing needs durations', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    await executor.start();
    const now = vi.spyOn(performance, 'now');

    // One by one (each handler starts inside execute) and all at once (all but the first queue).
    for (let index = 0; index < 50; index++) {
      await executor.execute(envelope, () => Promise.resolve(index), context);
    }

    await Promise.all(Array.from({ length: 50 }, (_, index) => executor.execute(envelope, () => Promise.resolve(index), context)));
    await executor.execute(envelope, () => 'synchronous', context);

    expect(now).not.toHaveBeenCalled();
    expect(executor.readMetrics()).toMatchObject({ executed: 101, measured: 0, totalDurationMs: 0, maxDurationMs: 0 });
  });

  it.each<[string, ExecutorOptions]>([
    ['a timeout', { recordHops: false, timeoutMs: 60_000 }],
    ['hops', { recordHops: true, captureCallers: false }],
    ['measureDurations', { recordHops: false, measureDurations: true }],
  ])('measures every call with %s', async (_, options) => {
    vi.useFakeTimers();
    const executor = new SerialExecutor(options);
    await executor.start();

    await runFor(executor, 30);
    await runFor(executor, 50);

    expect(executor.readMetrics()).toMatchObject({ executed: 2, measured: 2, totalDurationMs: 80, maxDurationMs: 50 });
  });

  it('measures calls started while subscribed', async () => {
    vi.useFakeTimers();
    const executor = new SerialExecutor({ recordHops: false, metricsIntervalMs: 10_000 });
    await executor.start();

    await runFor(executor, 100);
    expect(executor.readMetrics()).toMatchObject({ executed: 1, measured: 0, totalDurationMs: 0 });

    // Started before the subscription, so its start time was never read.
    const straddling = executor.execute(envelope, sleeper(40), context);
    const subscription = executor.metrics.subscribe(() => undefined);
    await vi.advanceTimersByTimeAsync(40);
    await straddling;
    expect(executor.readMetrics()).toMatchObject({ executed: 2, measured: 0, totalDurationMs: 0 });

    await runFor(executor, 20);
    await runFor(executor, 30);
    expect(executor.readMetrics()).toMatchObject({ executed: 4, measured: 2, totalDurationMs: 50, maxDurationMs: 30 });

    subscription.unsubscribe();
    await runFor(executor, 70);
    expect(executor.readMetrics()).toMatchObject({ executed: 5, measured: 2, totalDurationMs: 50, maxDurationMs: 30 });
  });

  it('measures queued calls started while subscribed', async () => {
    vi.useFakeTimers();
    const executor = new SerialExecutor({ recordHops: false, metricsIntervalMs: 10_000 });
    await executor.start();
    executor.metrics.subscribe(() => undefined);

    const calls = [executor.execute(envelope, sleeper(10), context), executor.execute(envelope, sleeper(25), context)];
    await vi.advanceTimersByTimeAsync(35);
    await Promise.all(calls);

    expect(executor.readMetrics()).toMatchObject({ executed: 2, measured: 2, totalDurationMs: 35, maxDurationMs: 25 });
  });

  it('times untimed unfinished handlers from stop()', async () => {
    const { report, call } = await stopWhileRunning({});

    expect(report.unfinished).toHaveLength(1);
    expect(report.unfinished[0]?.runningForMs).toBe(100);
    expect((await call).ok).toBe(false);
  });

  it('times timed unfinished handlers from start', async () => {
    const { report, call } = await stopWhileRunning({ measureDurations: true });

    expect(report.unfinished[0]?.runningForMs).toBe(600);
    await flushMicrotasks();
    expect((await call).ok).toBe(false);
  });
});

/**
 * Starts a handler that never finishes, calls stop() 500 ms later and aborts the stop 100 ms
 * after that, on fake timers. Returns the stop report and the handler call's outcome.
 */
async function stopWhileRunning(options: { measureDurations?: boolean }) {
  vi.useFakeTimers();
  const executor = new ParallelExecutor({ maxConcurrency: 2, recordHops: false, ...options });
  const stubborn = gate();
  const controller = new AbortController();
  await executor.start();

  const call = outcomeOf(executor.execute(envelope, () => stubborn.promise, context));
  await vi.advanceTimersByTimeAsync(500);
  const stopping = executor.stop(controller.signal);
  await vi.advanceTimersByTimeAsync(100);
  controller.abort(new Error('shutdown deadline'));

  return { report: await stopping, call };
}
