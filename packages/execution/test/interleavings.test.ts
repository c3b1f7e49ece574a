import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  BulkheadRejectedError,
  ExecutionTimeoutError,
  ExecutorStoppedError,
  ParallelExecutor,
  SerialExecutor,
  type Executor,
} from '../src/index.js';
import { ConcurrencyProbe, contextOf, envelopeOf } from './helpers.js';

const envelope = envelopeOf('race');
const context = contextOf(envelope);

type Behaviour = 'resolve' | 'reject' | 'honour-abort' | 'ignore-abort';
type Lifecycle = 'none' | 'drain' | 'stop' | 'stop-with-signal' | 'drain-then-stop' | 'stop-then-drain';

interface MessagePlan {
  readonly behaviour: Behaviour;
  readonly abortable: boolean;
  readonly late: boolean;
}

const messagePlan = fc.record({
  behaviour: fc.constantFrom<Behaviour>('resolve', 'reject', 'honour-abort', 'ignore-abort'),
  abortable: fc.boolean(),
  late: fc.boolean(),
});

const lifecyclePlan = fc.constantFrom<Lifecycle>(
  'none',
  'drain',
  'stop',
  'stop-with-signal',
  'drain-then-stop',
  'stop-then-drain',
);

interface Observation {
  started: number[];
  accepted: number[];
  overLimit: number;
  outcomes: Map<number, { ok: boolean; value?: unknown; error?: unknown }>;
  submittedWhileClosed: Set<number>;
  problems: string[];
}

/**
 * Runs one random interleaving of execute, abort, stop and drain calls on `executor`, with every
 * handler step, abort and lifecycle call released by the fast-check scheduler in random order,
 * and checks the invariants that must hold for every interleaving.
 */
async function runInterleaving(
  s: fc.Scheduler,
  executor: Executor,
  limit: number,
  messages: readonly MessagePlan[],
  lifecycle: Lifecycle,
): Promise<void> {
  const probe = new ConcurrencyProbe();
  const observation: Observation = {
    started: [],
    accepted: [],
    overLimit: 0,
    outcomes: new Map(),
    submittedWhileClosed: new Set(),
    problems: [],
  };
  const settledFlags = new Map<number, boolean>();
  const done: Promise<unknown>[] = [];

  await executor.start();

  const submit = (index: number): Promise<unknown> => {
    const plan = messages[index]!;
    const controller = plan.abortable ? new AbortController() : undefined;

    if (executor.state !== 'running') {
      observation.submittedWhileClosed.add(index);
    }

    const handler = async (_env: unknown, _context: unknown, signal: AbortSignal): Promise<number> => {
      observation.started.push(index);
      probe.enter();

      if (probe.current > limit) {
        observation.overLimit++;
      }

      try {
        const step = s.schedule(Promise.resolve(), `handler ${index}`);

        if (plan.behaviour === 'honour-abort') {
          await Promise.race([
            step,
            new Promise<never>((_resolve, reject) => {
              if (signal.aborted) {
                reject(signal.reason as Error);
              }

              signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
            }),
          ]);
        } else {
          await step;
        }

        if (plan.behaviour === 'reject') {
          throw new Error(`handler ${index} failed`);
        }

        return index;
      } finally {
        probe.leave();
      }
    };

    const acceptedBefore = executor.readMetrics().accepted;
    const call = executor.execute(envelope, handler, context, controller?.signal);

    if (executor.readMetrics().accepted > acceptedBefore) {
      observation.accepted.push(index);
    }

    settledFlags.set(index, false);
    call.then(
      () => settledFlags.set(index, true),
      () => settledFlags.set(index, true),
    );

    if (controller !== undefined) {
      void s.schedule(Promise.resolve(), `abort ${index}`).then(() => controller.abort());
    }

    return call.then(
      (value) => observation.outcomes.set(index, { ok: true, value }),
      (error: unknown) => observation.outcomes.set(index, { ok: false, error }),
    );
  };

  for (const [index, plan] of messages.entries()) {
    done.push(plan.late ? s.schedule(Promise.resolve(), `submit ${index}`).then(() => submit(index)) : submit(index));
  }

  const allSettled = (): boolean => [...settledFlags.values()].every(Boolean);
  const stepsOf: Record<Lifecycle, ('drain' | 'stop')[]> = {
    none: [],
    drain: ['drain'],
    stop: ['stop'],
    'stop-with-signal': ['stop'],
    'drain-then-stop': ['drain', 'stop'],
    'stop-then-drain': ['stop', 'drain'],
  };
  const steps = stepsOf[lifecycle];

  for (const step of steps) {
    done.push(
      s.schedule(Promise.resolve(), step).then(async () => {
        if (step === 'drain') {
          const settledBefore = new Set([...settledFlags.keys()]);
          const first = executor.drain();

          if (executor.drain() !== first) {
            observation.problems.push('second drain() returned another promise');
          }

          try {
            await first;

            // Every message submitted before drain() was called must have settled by now.
            for (const index of settledBefore) {
              if (settledFlags.get(index) !== true) {
                observation.problems.push(`drain resolved while message ${index} was pending`);
              }
            }
          } catch (error) {
            if (!(error instanceof ExecutorStoppedError)) {
              observation.problems.push(`drain rejected with ${String(error)}`);
            }
          }
        } else {
          const controller = lifecycle === 'stop-with-signal' ? new AbortController() : undefined;

          if (controller !== undefined) {
            void s.schedule(Promise.resolve(), 'abort stop').then(() => controller.abort());
          }

          const first = executor.stop(controller?.signal);

          if (executor.stop() !== first) {
            observation.problems.push('second stop() returned another promise');
          }

          await first;

          if (!allSettled()) {
            observation.problems.push('stop resolved while a caller was pending');
          }
        }
      }),
    );
  }

  await s.waitFor(Promise.all(done));
  await s.waitIdle();

  // Handlers that ignored their signal may still hold slots after stop; let them finish.
  while (executor.readMetrics().inFlight > 0) {
    await s.waitIdle();
    await Promise.resolve();
  }

  expect(observation.problems).toEqual([]);
  expect(observation.overLimit).toBe(0);

  // Handlers start in acceptance order (FIFO), whatever the limit.
  const acceptancePosition = new Map(observation.accepted.map((index, position) => [index, position]));
  const startPositions = observation.started.map((index) => acceptancePosition.get(index) ?? -1);
  expect(startPositions.every((position, at) => position >= 0 && (at === 0 || position > startPositions[at - 1]!))).toBe(true);

  for (const [index, outcome] of observation.outcomes) {
    const started = observation.started.includes(index);

    if (outcome.ok) {
      // A fulfilled call ran its own handler and got its own result.
      expect(started).toBe(true);
      expect(outcome.value).toBe(index);
    } else if (!started) {
      // A call that never ran was rejected for a reason the caller can act on.
      const error = outcome.error as Error;
      const known =
        error instanceof ExecutorStoppedError || error instanceof BulkheadRejectedError || error.name === 'AbortError';
      expect(known).toBe(true);
    } else {
      expect(outcome.error).not.toBeInstanceOf(ExecutionTimeoutError);
    }

    if (observation.submittedWhileClosed.has(index)) {
      expect(outcome.ok).toBe(false);
      expect(outcome.error).toBeInstanceOf(ExecutorStoppedError);
    }
  }

  expect(observation.outcomes.size).toBe(messages.length);

  const metrics = executor.readMetrics();
  expect(metrics.inFlight).toBe(0);
  expect(metrics.queueDepth).toBe(0);
  expect(metrics.executed).toBe(observation.started.length);
  expect(metrics.accepted).toBe(observation.accepted.length);

  if (steps.length > 0) {
    expect(executor.state).toBe('stopped');
    await executor.completion;
  }
}

describe('interleavings of execute, abort, stop and drain', () => {
  it('keep SerialExecutor invariants', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(messagePlan, { minLength: 1, maxLength: 6 }),
        lifecyclePlan,
        async (s, messages, lifecycle) => {
          await runInterleaving(s, new SerialExecutor({ recordHops: false }), 1, messages, lifecycle);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keep ParallelExecutor invariants with a bounded queue', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(messagePlan, { minLength: 1, maxLength: 8 }),
        lifecyclePlan,
        async (s, messages, lifecycle) => {
          await runInterleaving(s, new ParallelExecutor({ maxConcurrency: 2, maxQueue: 3, recordHops: false }), 2, messages, lifecycle);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
