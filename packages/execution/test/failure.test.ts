import { describe, expect, it } from 'vitest';

import { ExecutorFailedError, ParallelExecutor, SerialExecutor, type ExecutionMetrics } from '../src/index.js';
import { contextOf, envelopeOf, flushMicrotasks, gate, outcomeOf } from './helpers.js';

const envelope = envelopeOf('failure');
const context = contextOf(envelope);

describe('executor failure', () => {
  it('fails when the hop recorder throws and rejects everything after it', async () => {
    const recorderError = new Error('trace store unavailable');
    let recordings = 0;
    const executor = new ParallelExecutor({
      bulkheadName: 'orders',
      maxConcurrency: 2,
      hopRecorder: () => {
        recordings++;

        if (recordings === 1) {
          throw recorderError;
        }
      },
    });
    const errors: ExecutorFailedError[] = [];
    const snapshots: ExecutionMetrics[] = [];
    let metricsCompleted = false;
    const stubborn = gate();
    let runningSignal: AbortSignal | undefined;

    executor.on('error', (error) => errors.push(error));
    executor.metrics.subscribe({ next: (snapshot) => snapshots.push(snapshot), complete: () => (metricsCompleted = true) });
    await executor.start();

    const running = outcomeOf(
      executor.execute(
        envelope,
        (_env, _context, signal) => {
          runningSignal = signal;
          return stubborn.promise;
        },
        context,
      ),
    );
    const failing = executor.execute(envelope, async () => 'result delivered', context);
    const queued = outcomeOf(executor.execute(envelope, () => 'never', context));

    // The handler ran to the end, so its caller gets its result although the hop was lost.
    await expect(failing).resolves.toBe('result delivered');

    expect(executor.state).toBe('failed');
    const completion = await outcomeOf(executor.completion);
    const failure = (completion as { error: ExecutorFailedError }).error;
    expect(failure).toBeInstanceOf(ExecutorFailedError);
    expect(failure.cause).toBe(recorderError);
    expect(failure.message).toContain("Executor 'orders' failed while recording the hop of a message");
    expect(errors).toEqual([failure]);

    // Queued and running callers are settled; the running handler's signal is aborted.
    for (const outcome of [await queued, await running]) {
      expect(outcome.ok).toBe(false);
      expect((outcome as { error: Error }).error).toBeInstanceOf(ExecutorFailedError);
      expect(((outcome as { error: Error }).error as ExecutorFailedError).cause).toBe(recorderError);
    }

    expect(runningSignal?.aborted).toBe(true);

    // New calls are rejected, never dropped.
    const late = await outcomeOf(executor.execute(envelope, () => 'late', context));
    expect((late as { error: ExecutorFailedError }).error).toBeInstanceOf(ExecutorFailedError);
    expect((late as { error: ExecutorFailedError }).error.cause).toBe(recorderError);
    await expect(executor.start()).rejects.toBeInstanceOf(ExecutorFailedError);
    await expect(executor.drain()).rejects.toBe(failure);

    // Metrics end with a snapshot of the failed state.
    expect(metricsCompleted).toBe(true);
    expect(snapshots.at(-1)?.state).toBe('failed');

    // stop() still waits for the handler that ignored its signal to release its slot.
    const stopped = executor.stop();
    let stopSettled = false;
    void stopped.then(() => (stopSettled = true));
    await flushMicrotasks();
    expect(stopSettled).toBe(false);

    stubborn.open();
    const report = await stopped;
    expect(report.unfinished).toEqual([]);
    expect(executor.state).toBe('failed');
    expect(executor.readMetrics().inFlight).toBe(0);
  });

  it('reports a failure after stop through the error event only', async () => {
    let fail = false;
    const executor = new SerialExecutor({
      hopRecorder: () => {
        if (fail) {
          throw new Error('late recorder failure');
        }
      },
    });
    const errors: Error[] = [];
    const stubborn = gate();

    executor.on('error', (error) => errors.push(error));
    await executor.start();

    const call = outcomeOf(executor.execute(envelope, () => stubborn.promise, context));
    await executor.stop(AbortSignal.abort());
    await expect(executor.completion).resolves.toBeUndefined();

    fail = true;
    stubborn.open();
    await call;
    await flushMicrotasks();

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ExecutorFailedError);
    expect(executor.state).toBe('stopped');
  });

  it('keeps running after handler failures', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const failures: unknown[] = [];

    executor.on('failure', ({ error }) => failures.push(error));
    await executor.start();

    const error = new Error('handler failed');
    await expect(
      executor.execute(
        envelope,
        () => {
          throw error;
        },
        context,
      ),
    ).rejects.toBe(error);

    expect(failures).toEqual([error]);
    expect(executor.state).toBe('running');
    await expect(executor.execute(envelope, () => 'next', context)).resolves.toBe('next');
  });
});
