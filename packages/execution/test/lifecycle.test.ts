import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  BulkheadRejectedError,
  ExecutionTimeoutError,
  ExecutorNotStartedError,
  ExecutorStoppedError,
  ParallelExecutor,
  SerialExecutor,
  type ExecutorState,
} from '../src/index.js';
import { contextOf, envelopeOf, flushMicrotasks, gate, outcomeOf } from './helpers.js';

const envelope = envelopeOf('lifecycle');
const context = contextOf(envelope);

/** Returns a probe that reports whether `promise` has settled yet. */
function track(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return () => settled;
}

describe('executor lifecycle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('moves idle, running, draining, stopped and reports each change', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const changes: string[] = [];
    const release = gate();

    executor.on('stateChange', ({ from, to }) => changes.push(`${from}->${to}`));
    expect(executor.state).toBe('idle');

    await executor.start();
    expect(executor.state).toBe('running');

    const call = executor.execute(envelope, () => release.promise, context);
    const drained = executor.drain();
    expect(executor.state).toBe('draining');

    release.open();
    await call;
    await drained;
    expect(executor.state).toBe('stopped');
    expect(changes).toEqual(['idle->running', 'running->draining', 'draining->stopped']);
    await expect(executor.completion).resolves.toBeUndefined();
  });

  describe('execute in the wrong state', () => {
    it('rejects before start with ExecutorNotStartedError', async () => {
      const executor = new SerialExecutor({ bulkheadName: 'orders', recordHops: false });
      let ran = false;

      const error = await executor
        .execute(
          envelope,
          () => {
            ran = true;
          },
          context,
        )
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ExecutorNotStartedError);
      expect((error as Error).message).toContain("Executor 'orders' is idle: call start()");
      expect(ran).toBe(false);
      expect(executor.readMetrics().rejected).toBe(1);
    });

    it('starts on the first call with autoStart', async () => {
      const executor = new SerialExecutor({ autoStart: true, recordHops: false });

      await expect(executor.execute(envelope, () => 'ran', context)).resolves.toBe('ran');
      expect(executor.state).toBe('running');
    });

    it('rejects while draining and once stopped with ExecutorStoppedError', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const release = gate();

      await executor.start();
      const running = executor.execute(envelope, () => release.promise, context);
      const drained = executor.drain();

      const whileDraining = await outcomeOf(executor.execute(envelope, () => 'late', context));
      expect((whileDraining as { error: Error }).error).toBeInstanceOf(ExecutorStoppedError);
      expect((whileDraining as { error: Error }).error.message).toContain('is draining');

      release.open();
      await running;
      await drained;

      const afterStop = await outcomeOf(executor.execute(envelope, () => 'late', context));
      expect((afterStop as { error: Error }).error).toBeInstanceOf(ExecutorStoppedError);
      expect((afterStop as { error: Error }).error.message).toContain('is stopped');
    });
  });

  describe('start', () => {
    it('resolves again when already running', async () => {
      const executor = new SerialExecutor();

      await executor.start();
      await executor.start();
      expect(executor.state).toBe('running');
    });

    it('rejects with the reason of an aborted signal and stays idle', async () => {
      const executor = new SerialExecutor();
      const reason = new Error('startup cancelled');

      await expect(executor.start(AbortSignal.abort(reason))).rejects.toBe(reason);
      expect(executor.state).toBe('idle');
    });

    it('rejects after stop with ExecutorStoppedError', async () => {
      const executor = new SerialExecutor();

      await executor.start();
      await executor.stop();
      await expect(executor.start()).rejects.toBeInstanceOf(ExecutorStoppedError);
    });
  });

  describe('drain', () => {
    it('resolves at once when nothing is running', async () => {
      const executor = new ParallelExecutor({ recordHops: false });

      await executor.start();
      await executor.drain();
      expect(executor.state).toBe('stopped');
    });

    it('stops a never-started executor', async () => {
      const executor = new ParallelExecutor({ recordHops: false });

      await executor.drain();
      expect(executor.state).toBe('stopped');
      await expect(executor.completion).resolves.toBeUndefined();
    });

    it('resolves only after every accepted message settled', async () => {
      const executor = new ParallelExecutor({ maxConcurrency: 2, recordHops: false });
      const gates = Array.from({ length: 5 }, () => gate<number>());
      await executor.start();

      const calls = gates.map((entry) => executor.execute(envelope, () => entry.promise, context));
      const settled = calls.map(track);
      const drained = executor.drain();
      const drainSettled = track(drained);

      for (const [index, entry] of gates.entries()) {
        await flushMicrotasks();
        expect(drainSettled()).toBe(false);
        entry.open(index);
      }

      await drained;
      expect(settled.every((isSettled) => isSettled())).toBe(true);
      expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4]);
    });

    it('returns the same promise to a second call', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const release = gate();
      await executor.start();

      const call = executor.execute(envelope, () => release.promise, context);
      const first = executor.drain();
      const second = executor.drain();
      expect(second).toBe(first);

      release.open();
      await call;
      await first;
    });

    it('rejects with the signal reason but keeps draining', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const release = gate();
      const controller = new AbortController();
      await executor.start();

      const call = executor.execute(envelope, () => release.promise, context);
      const bounded = executor.drain(controller.signal);
      const reason = new Error('gave up waiting');
      controller.abort(reason);

      await expect(bounded).rejects.toBe(reason);
      expect(executor.state).toBe('draining');

      release.open();
      await call;
      await executor.drain();
      expect(executor.state).toBe('stopped');
    });

    it('rejects with ExecutorStoppedError when stop interrupts it', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const release = gate();
      await executor.start();

      const running = executor.execute(envelope, () => release.promise, context);
      const queued = outcomeOf(executor.execute(envelope, () => 'queued', context));
      const drained = outcomeOf(executor.drain());
      const stopped = executor.stop();

      const drainOutcome = await drained;
      expect((drainOutcome as { error: Error }).error).toBeInstanceOf(ExecutorStoppedError);
      expect((await queued).ok).toBe(false);

      release.open();
      await running;
      expect((await stopped).rejectedQueued).toBe(1);
    });
  });

  describe('stop', () => {
    it('rejects queued callers with distinct errors, aborts running handlers and waits for them', async () => {
      const executor = new ParallelExecutor({ bulkheadName: 'orders', maxConcurrency: 2, recordHops: false });
      const signals: AbortSignal[] = [];
      await executor.start();

      const running = [0, 1].map((index) =>
        executor.execute(
          envelope,
          (_env, _context, signal) => {
            signals.push(signal);
            // Honours the signal, but only after a few more ticks of cleanup.
            return new Promise<string>((resolve) => {
              signal.addEventListener(
                'abort',
                () => {
                  void flushMicrotasks(5).then(() => resolve(`cleaned up ${index}`));
                },
                { once: true },
              );
            });
          },
          context,
        ),
      );
      const queued = Array.from({ length: 3 }, () => outcomeOf(executor.execute(envelope, () => 'never', context)));
      const settled = [...running, ...queued].map(track);

      const report = await executor.stop();

      expect(settled.every((isSettled) => isSettled())).toBe(true);
      expect(signals.every((signal) => signal.aborted)).toBe(true);
      expect(await Promise.all(running)).toEqual(['cleaned up 0', 'cleaned up 1']);
      expect(report).toEqual({ rejectedQueued: 3, abortedRunning: 2, unfinished: [] });

      const errors = (await Promise.all(queued)).map((outcome) => (outcome as { error: ExecutorStoppedError }).error);
      expect(new Set(errors).size).toBe(3);

      for (const error of errors) {
        expect(error).toBeInstanceOf(ExecutorStoppedError);
        expect(error.executor).toBe('orders');
        expect(error.message).toContain('was stopped before this queued message ran');
        expect((error.cause as Error).message).toBe("stop() was called on executor 'orders'.");
      }

      expect(executor.state).toBe('stopped');
      await expect(executor.completion).resolves.toBeUndefined();
    });

    it('returns promptly when its signal aborts and reports what was unfinished', async () => {
      const executor = new ParallelExecutor({ maxConcurrency: 2, recordHops: false });
      const stubborn = gate();
      const controller = new AbortController();
      await executor.start();

      const envelopes = [envelopeOf('a'), envelopeOf('b')];
      const calls = envelopes.map((entry) => outcomeOf(executor.execute(entry, () => stubborn.promise, contextOf(entry))));
      const stopping = executor.stop(controller.signal);
      const stopSettled = track(stopping);

      await flushMicrotasks();
      expect(stopSettled()).toBe(false);

      const reason = new Error('shutdown deadline');
      controller.abort(reason);
      const report = await stopping;

      expect(report.abortedRunning).toBe(2);
      expect(report.unfinished.map((entry) => entry.envelope)).toEqual(envelopes);
      expect(report.unfinished.every((entry) => !entry.overdue)).toBe(true);

      for (const outcome of await Promise.all(calls)) {
        const error = (outcome as { error: ExecutorStoppedError }).error;
        expect(error).toBeInstanceOf(ExecutorStoppedError);
        expect(error.cause).toBe(reason);
      }

      expect(executor.readMetrics().overdue).toBe(2);
      stubborn.open();
      await flushMicrotasks();
      expect(executor.readMetrics().inFlight).toBe(0);
    });

    it('returns at once with an aborted signal', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const stubborn = gate();
      await executor.start();

      const call = outcomeOf(executor.execute(envelope, () => stubborn.promise, context));
      const report = await executor.stop(AbortSignal.abort());

      expect(report.unfinished).toHaveLength(1);
      expect((await call).ok).toBe(false);
      stubborn.open();
    });

    it('returns the same promise to every call and stops a never-started executor', async () => {
      const executor = new SerialExecutor();
      const first = executor.stop();

      expect(executor.stop()).toBe(first);
      expect(await first).toEqual({ rejectedQueued: 0, abortedRunning: 0, unfinished: [] });
      expect(executor.state).toBe('stopped');
    });

    it('ends the shared wait when a later call signal aborts', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const stubborn = gate();
      await executor.start();

      const call = outcomeOf(executor.execute(envelope, () => stubborn.promise, context));
      const first = executor.stop();
      const controller = new AbortController();
      const second = executor.stop(controller.signal);
      expect(second).toBe(first);

      controller.abort();
      expect((await first).unfinished).toHaveLength(1);
      expect((await call).ok).toBe(false);
      stubborn.open();
    });

    it('lets drain called afterwards resolve when the stop finished', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const release = gate();
      await executor.start();

      const call = executor.execute(envelope, () => release.promise, context);
      const stopped = executor.stop();
      const drained = executor.drain();
      const drainSettled = track(drained);

      await flushMicrotasks();
      expect(drainSettled()).toBe(false);

      release.open();
      await call;
      await stopped;
      await drained;
    });
  });

  describe('calls from inside a handler', () => {
    it.each(['stop', 'drain'] as const)('does not deadlock when a handler awaits %s synchronously', async (operation) => {
      const executor = new SerialExecutor({ recordHops: false });
      const blocker = gate();
      const order: string[] = [];
      await executor.start();

      const first = executor.execute(envelope, () => blocker.promise, context);
      const call = executor.execute(
        envelope,
        async () => {
          order.push('handler calls ' + operation);
          await executor[operation]();
          order.push('handler resumed');
          return 'handler finished';
        },
        context,
      );
      // Queued behind the calling handler's slot: drain must let it run after the handler,
      // stop must reject it.
      const queued = outcomeOf(
        executor.execute(
          envelope,
          () => {
            order.push('queued ran');
            return 'queued finished';
          },
          context,
        ),
      );

      blocker.open();
      await first;
      await expect(call).resolves.toBe('handler finished');
      const queuedOutcome = await queued;

      if (operation === 'drain') {
        expect(queuedOutcome).toEqual({ ok: true, value: 'queued finished' });
        expect(order).toEqual(['handler calls drain', 'handler resumed', 'queued ran']);
      } else {
        expect((queuedOutcome as { error: Error }).error).toBeInstanceOf(ExecutorStoppedError);
        expect(order).toEqual(['handler calls stop', 'handler resumed']);
      }

      await executor.completion;
      expect(executor.state).toBe('stopped');
    });

    it.each(['stop', 'drain'] as const)('survives handler passing own signal to %s', async (operation) => {
      const executor = new ParallelExecutor({ maxConcurrency: 2, timeoutMs: 60_000, recordHops: false });
      await executor.start();

      const call = executor.execute(
        envelope,
        async (_env, _context, signal) => {
          await flushMicrotasks(3);
          await executor[operation](signal);
          return 'handler finished';
        },
        context,
      );

      await expect(call).resolves.toBe('handler finished');
      await executor.completion;
      expect(executor.state).toBe('stopped');
    });

    it.each(['stop', 'drain'] as const)('recognises %s awaited after an await with trackAsyncContext', async (operation) => {
      const executor = new ParallelExecutor({ maxConcurrency: 2, trackAsyncContext: true, recordHops: false });
      const other = gate();
      await executor.start();

      const call = executor.execute(
        envelope,
        async () => {
          await flushMicrotasks(3);
          await executor[operation]();
          return 'handler finished';
        },
        context,
      );
      const sibling = executor.execute(envelope, () => other.promise, context);
      const callSettled = track(call);

      // The handler's stop/drain waits for its sibling, but not for itself.
      await flushMicrotasks(10);
      expect(callSettled()).toBe(false);

      other.open();
      await sibling;
      await expect(call).resolves.toBe('handler finished');
      await executor.completion;
    });

    it('survives handler awaiting drain during stop', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      await executor.start();

      const call = executor.execute(
        envelope,
        async () => {
          void executor.stop();
          await executor.drain();
          return 'handler finished';
        },
        context,
      );

      await expect(call).resolves.toBe('handler finished');
      await executor.completion;
      expect(executor.state).toBe('stopped');
    });

    it('rejects a submission to its own full executor visibly', async () => {
      const executor = new SerialExecutor({ maxQueue: 1, recordHops: false });
      const blocker = gate();
      await executor.start();

      let rejection: unknown;
      const outer = executor.execute(
        envelope,
        async () => {
          // By now the filler below occupies the only queue place.
          await flushMicrotasks(2);
          rejection = await executor.execute(envelope, () => 'nested', context).catch((error: unknown) => error);
          return 'outer';
        },
        context,
      );
      const filler = executor.execute(envelope, () => blocker.promise, context);

      await expect(outer).resolves.toBe('outer');
      expect(rejection).toBeInstanceOf(BulkheadRejectedError);

      blocker.open();
      await filler;
      expect(executor.readMetrics().rejected).toBe(1);
    });

    it('runs a message a handler queued without awaiting it, after the handler', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const order: string[] = [];
      await executor.start();

      let followUp: Promise<unknown> | undefined;
      await executor.execute(
        envelope,
        () => {
          followUp = executor.execute(envelope, () => order.push('follow-up'), context);
          order.push('outer');
        },
        context,
      );

      await followUp;
      expect(order).toEqual(['outer', 'follow-up']);
    });

    it('breaks a self-wait through timeout and the handler own signal', async () => {
      vi.useFakeTimers();
      const executor = new SerialExecutor({ timeoutMs: 1_000, recordHops: false });
      await executor.start();

      const call = outcomeOf(
        executor.execute(
          envelope,
          // Awaits a message that can only run after this handler: a deadlock without a limit.
          (_env, _context, signal) => executor.execute(envelope, () => 'inner', context, signal),
          context,
        ),
      );

      await vi.advanceTimersByTimeAsync(1_000);
      const outcome = await call;

      expect((outcome as { error: Error }).error).toBeInstanceOf(ExecutionTimeoutError);
      await vi.advanceTimersByTimeAsync(0);

      const metrics = executor.readMetrics();
      expect(metrics.inFlight).toBe(0);
      expect(metrics.queueDepth).toBe(0);
      expect(metrics.cancelled).toBe(1);
    });
  });

  it('reports idleness through isIdle and the idle event', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const release = gate();
    let idleEvents = 0;

    executor.on('idle', () => idleEvents++);
    await executor.start();
    expect(executor.isIdle).toBe(true);

    const call = executor.execute(envelope, () => release.promise, context);
    expect(executor.isIdle).toBe(false);

    release.open();
    await call;
    expect(executor.isIdle).toBe(true);
    expect(idleEvents).toBe(1);
  });

  it('keeps the state names of the interface', () => {
    const states: ExecutorState[] = ['idle', 'running', 'draining', 'stopped', 'failed'];
    expect(states).toHaveLength(5);
  });
});
