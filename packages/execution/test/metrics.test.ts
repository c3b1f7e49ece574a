import { config as rxjsConfig } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ParallelExecutor, SerialExecutor, type ExecutionMetrics } from '../src/index.js';
import { contextOf, envelopeOf, gate, outcomeOf } from './helpers.js';

const envelope = envelopeOf('metrics');
const context = contextOf(envelope);

describe('metrics', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits one snapshot per interval, not one per message', async () => {
    const executor = new SerialExecutor({ bulkheadName: 'orders', metricsIntervalMs: 500, recordHops: false });
    const snapshots: ExecutionMetrics[] = [];

    executor.metrics.subscribe((snapshot) => snapshots.push(snapshot));
    await executor.start();

    for (let index = 0; index < 1_000; index++) {
      await executor.execute(envelope, () => index, context);
    }

    expect(snapshots).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({
      strategy: 'serial',
      bulkhead: 'orders',
      state: 'running',
      accepted: 1_000,
      executed: 1_000,
      failed: 0,
      queueDepth: 0,
      inFlight: 0,
      maxConcurrency: 1,
      maxQueue: Infinity,
    });

    await vi.advanceTimersByTimeAsync(1_000);
    expect(snapshots).toHaveLength(3);
  });

  it('reports durations, resetting the maximum each interval', async () => {
    const executor = new SerialExecutor({ metricsIntervalMs: 1_000, recordHops: false });
    const snapshots: ExecutionMetrics[] = [];

    executor.metrics.subscribe((snapshot) => snapshots.push(snapshot));
    await executor.start();

    const slow = executor.execute(envelope, () => new Promise((resolve) => setTimeout(resolve, 300)), context);
    await vi.advanceTimersByTimeAsync(300);
    await slow;
    const fast = executor.execute(envelope, () => new Promise((resolve) => setTimeout(resolve, 100)), context);
    await vi.advanceTimersByTimeAsync(100);
    await fast;

    await vi.advanceTimersByTimeAsync(600);
    expect(snapshots[0]?.totalDurationMs).toBe(400);
    expect(snapshots[0]?.maxDurationMs).toBe(300);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(snapshots[1]?.totalDurationMs).toBe(400);
    expect(snapshots[1]?.maxDurationMs).toBe(0);
  });

  it('counts gauges while work is queued and running', async () => {
    const executor = new ParallelExecutor({ maxConcurrency: 2, recordHops: false });
    const release = gate();

    await executor.start();
    const calls = Array.from({ length: 5 }, () => executor.execute(envelope, () => release.promise, context));

    expect(executor.readMetrics()).toMatchObject({ accepted: 5, inFlight: 2, queueDepth: 3, executed: 0 });
    release.open();
    await Promise.all(calls);
    expect(executor.readMetrics()).toMatchObject({ accepted: 5, inFlight: 0, queueDepth: 0, executed: 5 });
  });

  it('emits a final snapshot and completes on stop', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const snapshots: ExecutionMetrics[] = [];
    let completed = false;

    executor.metrics.subscribe({ next: (snapshot) => snapshots.push(snapshot), complete: () => (completed = true) });
    await executor.start();
    await executor.execute(envelope, () => 'done', context);
    await executor.stop();

    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({ state: 'stopped', executed: 1 });
    expect(completed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms no timer while nobody subscribes', async () => {
    const executor = new SerialExecutor({ recordHops: false });

    await executor.start();
    await executor.execute(envelope, () => 'done', context);
    expect(vi.getTimerCount()).toBe(0);

    const subscription = executor.metrics.subscribe(() => undefined);
    expect(vi.getTimerCount()).toBe(1);
    subscription.unsubscribe();

    // The armed timer fires once more, finds no subscriber and stays off.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the stream going for others when a subscriber throws', async () => {
    const executor = new SerialExecutor({ metricsIntervalMs: 100, recordHops: false });
    const reported: unknown[] = [];
    const received: number[] = [];
    const previousHandler = rxjsConfig.onUnhandledError;

    // RxJS reports an error thrown by a subscriber through this hook (by default it rethrows it
    // asynchronously); the stream itself carries on.
    rxjsConfig.onUnhandledError = (error) => reported.push(error);

    try {
      let brokenCalls = 0;
      executor.metrics.subscribe(() => {
        brokenCalls++;
        throw new Error('broken dashboard');
      });
      executor.metrics.subscribe((snapshot) => received.push(snapshot.executed));
      await executor.start();

      await executor.execute(envelope, () => 'one', context);
      await vi.advanceTimersByTimeAsync(100);
      await executor.execute(envelope, () => 'two', context);
      await vi.advanceTimersByTimeAsync(100);
      // RxJS delivers the report on a zero-delay timer.
      await vi.advanceTimersByTimeAsync(1);

      expect(received).toEqual([1, 2]);
      expect(brokenCalls).toBe(2);
      expect(reported).toHaveLength(2);
      expect(executor.state).toBe('running');
    } finally {
      rxjsConfig.onUnhandledError = previousHandler;
    }
  });

  it('counts rejections, cancellations and failures', async () => {
    const executor = new SerialExecutor({ maxQueue: 1, recordHops: false });
    const release = gate();
    const controller = new AbortController();

    await executor.start();
    const running = executor.execute(envelope, () => release.promise, context);
    const aborted = outcomeOf(executor.execute(envelope, () => 'never', context, controller.signal));
    controller.abort();
    const failing = outcomeOf(
      executor.execute(
        envelope,
        () => {
          throw new Error('no');
        },
        context,
      ),
    );
    const rejected = outcomeOf(executor.execute(envelope, () => 'full', context));

    release.open();
    await Promise.all([running, aborted, failing, rejected]);

    expect(executor.readMetrics()).toMatchObject({
      accepted: 3,
      executed: 2,
      failed: 1,
      rejected: 1,
      cancelled: 1,
      timedOut: 0,
    });
  });
});
