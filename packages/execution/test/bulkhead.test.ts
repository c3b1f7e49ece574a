import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Bulkhead, BulkheadRejectedError, ParallelExecutor, SerialExecutor } from '../src/index.js';
import { ConcurrencyProbe, contextOf, envelopeOf, flushMicrotasks, gate, outcomeOf, type Gate } from './helpers.js';

const envelope = envelopeOf('bulkhead');
const context = contextOf(envelope);

describe('Bulkhead', () => {
  it('rejects a full queue with BulkheadRejectedError naming its limits', async () => {
    const executor = new ParallelExecutor({ bulkheadName: 'orders', maxConcurrency: 2, maxQueue: 3, recordHops: false });
    const release = gate();
    const rejections: unknown[] = [];

    executor.on('rejected', ({ error }) => rejections.push(error));
    await executor.start();

    const admitted = Array.from({ length: 5 }, () => executor.execute(envelope, () => release.promise, context));
    const rejected = await outcomeOf(executor.execute(envelope, () => undefined, context));

    expect(rejected.ok).toBe(false);
    const error = (rejected as { error: BulkheadRejectedError }).error;
    expect(error).toBeInstanceOf(BulkheadRejectedError);
    expect(error.bulkhead).toBe('orders');
    expect(error.maxConcurrency).toBe(2);
    expect(error.maxQueue).toBe(3);
    expect(error.message).toContain("Bulkhead 'orders' is full");
    expect(error.message).toContain('maxConcurrency 2, maxQueue 3');
    expect(rejections).toEqual([error]);

    const metrics = executor.readMetrics();
    expect(metrics.rejected).toBe(1);
    expect(metrics.accepted).toBe(5);
    expect(metrics.inFlight).toBe(2);
    expect(metrics.queueDepth).toBe(3);

    release.open();
    await Promise.all(admitted);
  });

  it('rejects at once with maxQueue 0 when every slot is busy', async () => {
    const executor = new SerialExecutor({ maxQueue: 0, recordHops: false });
    const release = gate();

    await executor.start();

    const holder = executor.execute(envelope, () => release.promise, context);
    await expect(executor.execute(envelope, () => undefined, context)).rejects.toBeInstanceOf(BulkheadRejectedError);

    release.open();
    await holder;
    await expect(executor.execute(envelope, () => 'after', context)).resolves.toBe('after');
  });

  it('validates its limits', () => {
    expect(() => new Bulkhead({ name: '', maxConcurrency: 1, maxQueue: 0 })).toThrow(TypeError);
    expect(() => new Bulkhead({ name: 'b', maxConcurrency: 0, maxQueue: 0 })).toThrow(/maxConcurrency: 0/);
    expect(() => new Bulkhead({ name: 'b', maxConcurrency: 1.5, maxQueue: 0 })).toThrow(RangeError);
    expect(() => new Bulkhead({ name: 'b', maxConcurrency: 1, maxQueue: -1 })).toThrow(/maxQueue: -1/);
    expect(() => new Bulkhead({ name: 'b', maxConcurrency: Number.NaN, maxQueue: 0 })).toThrow(RangeError);
    expect(new Bulkhead({ name: 'b', maxConcurrency: Infinity, maxQueue: Infinity }).maxQueue).toBe(Infinity);
  });

  describe('slot leaks', () => {
    it('keeps one holder and 100 randomly aborted waiters within limit 1', async () => {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), fc.array(fc.boolean(), { minLength: 100, maxLength: 100 }), async (s, aborts) => {
          const executor = new ParallelExecutor({ maxConcurrency: 1, recordHops: false });
          const probe = new ConcurrencyProbe();
          let overLimit = 0;
          const ranAfterAbort: number[] = [];
          const controllers = aborts.map(() => new AbortController());

          await executor.start();

          const handler = (index: number) => async () => {
            if (index >= 0 && controllers[index]!.signal.aborted) {
              ranAfterAbort.push(index);
            }

            probe.enter();

            if (probe.current > 1) {
              overLimit++;
            }

            await s.schedule(Promise.resolve(), `handler ${index}`);
            probe.leave();
          };

          const holder = outcomeOf(executor.execute(envelope, handler(-1), context));
          const waiters = controllers.map((controller, index) =>
            outcomeOf(executor.execute(envelope, handler(index), context, controller.signal)),
          );

          for (const [index, abort] of aborts.entries()) {
            if (abort) {
              void s.schedule(Promise.resolve(), `abort ${index}`).then(() => controllers[index]!.abort());
            }
          }

          await s.waitFor(Promise.all([holder, ...waiters]));
          await s.waitIdle();

          expect(overLimit).toBe(0);
          expect(ranAfterAbort).toEqual([]);

          // Full capacity is back: one handler runs at once, the next one queues.
          const metrics = executor.readMetrics();
          expect(metrics.inFlight).toBe(0);
          expect(metrics.queueDepth).toBe(0);

          const release = gate();
          const first = executor.execute(envelope, () => release.promise, context);
          const second = executor.execute(envelope, () => undefined, context);
          expect(executor.readMetrics().inFlight).toBe(1);
          expect(executor.readMetrics().queueDepth).toBe(1);
          release.open();
          await Promise.all([first, second]);
        }),
        { numRuns: 200 },
      );
    });

    it('queues a new call after an aborted queued call freed its place', async () => {
      const executor = new SerialExecutor({ maxQueue: 1, recordHops: false });
      const release = gate();
      const controller = new AbortController();

      await executor.start();

      const holder = executor.execute(envelope, () => release.promise, context);
      const aborted = outcomeOf(executor.execute(envelope, () => 'aborted one', context, controller.signal));

      controller.abort(new Error('caller gave up'));
      expect(await aborted).toEqual({ ok: false, error: new Error('caller gave up') });

      const queued = executor.execute(envelope, () => 'queued', context);
      expect(executor.readMetrics().queueDepth).toBe(1);

      release.open();
      await holder;
      await expect(queued).resolves.toBe('queued');
    });

    it('restores exactly the configured capacity after 100,000 random aborts', async () => {
      const maxConcurrency = 4;
      const maxQueue = 50;
      const executor = new ParallelExecutor({ maxConcurrency, maxQueue, recordHops: false });
      const probe = new ConcurrencyProbe();
      const gates: Gate[] = [];
      const outcomes: Promise<unknown>[] = [];
      const pending: AbortController[] = [];
      let seed = 12345;
      const next = (bound: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % bound;
      };
      let aborts = 0;
      let iteration = 0;

      await executor.start();

      while (aborts < 100_000) {
        iteration++;
        const controller = new AbortController();
        const release = gate();
        // One handler in ten ignores its signal and keeps its slot until its gate opens.
        const honoursSignal = next(10) !== 0;

        gates.push(release);
        pending.push(controller);
        outcomes.push(
          outcomeOf(
            executor.execute(
              envelope,
              (_env, _context, signal) => {
                probe.enter();

                return new Promise<void>((resolve, reject) => {
                  void release.promise.then(resolve);

                  if (honoursSignal) {
                    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
                  }
                }).finally(() => probe.leave());
              },
              context,
              controller.signal,
            ),
          ),
        );

        // Abort a random pending call (queued, running or already rejected), and now and then
        // let a random handler finish.
        pending.splice(next(pending.length), 1)[0]!.abort();
        aborts++;

        if (next(3) === 0) {
          gates[next(gates.length)]!.open();
        }

        if (iteration % 64 === 0) {
          await flushMicrotasks(3);
        }

        expect(probe.current).toBeLessThanOrEqual(maxConcurrency);
      }

      for (const controller of pending) {
        controller.abort();
      }

      for (const release of gates) {
        release.open();
      }

      await Promise.all(outcomes);
      await flushMicrotasks();

      const settled = executor.readMetrics();
      expect(settled.inFlight).toBe(0);
      expect(settled.queueDepth).toBe(0);
      expect(settled.overdue).toBe(0);
      expect(probe.max).toBe(maxConcurrency);

      // Capacity is exactly the configured limit: 4 run, 50 queue, the next one is rejected.
      const release = gate();
      const held = Array.from({ length: maxConcurrency + maxQueue }, () =>
        executor.execute(envelope, () => release.promise, context),
      );
      const metrics = executor.readMetrics();
      expect(metrics.inFlight).toBe(maxConcurrency);
      expect(metrics.queueDepth).toBe(maxQueue);
      await expect(executor.execute(envelope, () => undefined, context)).rejects.toBeInstanceOf(BulkheadRejectedError);

      release.open();
      await Promise.all(held);
    });

    it('neither runs nor holds a slot for an aborted queued call', async () => {
      const executor = new SerialExecutor({ recordHops: false });
      const release = gate();
      const controller = new AbortController();
      let abortedRan = false;

      await executor.start();

      const holder = executor.execute(envelope, () => release.promise, context);
      const aborted = outcomeOf(
        executor.execute(
          envelope,
          () => {
            abortedRan = true;
          },
          context,
          controller.signal,
        ),
      );
      const after = executor.execute(envelope, () => 'after', context);

      controller.abort();
      expect(executor.readMetrics().queueDepth).toBe(1);

      release.open();
      await holder;
      await expect(after).resolves.toBe('after');

      const outcome = await aborted;
      expect(outcome.ok).toBe(false);
      expect((outcome as { error: Error }).error.name).toBe('AbortError');
      expect(abortedRan).toBe(false);

      const metrics = executor.readMetrics();
      expect(metrics.cancelled).toBe(1);
      expect(metrics.executed).toBe(2);
      expect(metrics.inFlight).toBe(0);
    });
  });
});
