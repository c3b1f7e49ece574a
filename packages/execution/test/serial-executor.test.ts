import { afterEach, describe, expect, it, vi } from 'vitest';

import { ExecutionTimeoutError, SerialExecutor } from '../src/index.js';
import { ConcurrencyProbe, contextOf, envelopeOf, gate, outcomeOf, type Gate } from './helpers.js';

/** Small deterministic PRNG (mulberry32), so a failing stress run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;

  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SerialExecutor', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs 64 producers x 20,000 messages once each, in acceptance order', async () => {
    const producers = 64;
    const perProducer = 20_000;
    const total = producers * perProducer;
    const executor = new SerialExecutor({ recordHops: false });
    const envelope = envelopeOf('stress');
    const context = contextOf(envelope);
    const executionPosition = new Int32Array(total).fill(-1);
    const executionCount = new Uint8Array(total);
    const resolvedWith = new Int32Array(total).fill(-1);
    let nextTicket = 0;
    let executed = 0;

    await executor.start();

    async function produce(seed: number): Promise<void> {
      const next = random(seed);
      let last: Promise<unknown> = Promise.resolve();

      for (let index = 0; index < perProducer; index++) {
        const ticket = nextTicket++;

        // Mix synchronous and asynchronous handlers: both must keep the order.
        const handler =
          ticket % 3 === 0
            ? async () => {
                executionPosition[ticket] = executed++;
                executionCount[ticket]!++;
                await Promise.resolve();
                return ticket;
              }
            : () => {
                executionPosition[ticket] = executed++;
                executionCount[ticket]!++;
                return ticket;
              };

        last = executor.execute(envelope, handler, context).then((value) => {
          resolvedWith[ticket] = value;
        });

        // Yield at random points so the producers interleave with each other and with execution.
        const roll = next();

        if (roll < 0.02) {
          await last;
        } else if (roll < 0.1) {
          await Promise.resolve();
        }
      }

      await last;
    }

    await Promise.all(Array.from({ length: producers }, (_, index) => produce(index + 1)));
    await executor.drain();

    const wrong: string[] = [];

    for (let ticket = 0; ticket < total && wrong.length < 10; ticket++) {
      if (executionCount[ticket] !== 1) {
        wrong.push(`ticket ${ticket} executed ${executionCount[ticket]} times`);
      } else if (executionPosition[ticket] !== ticket) {
        wrong.push(`ticket ${ticket} executed at position ${executionPosition[ticket]}`);
      } else if (resolvedWith[ticket] !== ticket) {
        wrong.push(`ticket ${ticket} resolved with ${resolvedWith[ticket]}`);
      }
    }

    expect(wrong).toEqual([]);
    expect(executed).toBe(total);
    expect(executor.readMetrics().executed).toBe(total);
  });

  it('never runs two handlers at once', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const probe = new ConcurrencyProbe();
    const envelope = envelopeOf(0);
    const context = contextOf(envelope);

    await executor.start();

    const calls = Array.from({ length: 500 }, (_, index) =>
      executor.execute(
        envelope,
        async () => {
          probe.enter();

          for (let step = 0; step < index % 7; step++) {
            await Promise.resolve();
          }

          probe.leave();
          return index;
        },
        context,
      ),
    );

    expect(await Promise.all(calls)).toEqual(Array.from({ length: 500 }, (_, index) => index));
    expect(probe.max).toBe(1);
  });

  it('keeps order after handler errors', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const envelope = envelopeOf(0);
    const context = contextOf(envelope);
    const order: number[] = [];

    await executor.start();

    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        outcomeOf(
          executor.execute(
            envelope,
            async () => {
              order.push(index);
              await Promise.resolve();

              if (index % 4 === 0) {
                throw new Error(`handler ${index} failed`);
              }

              return index;
            },
            context,
          ),
        ),
      ),
    );

    expect(order).toEqual(Array.from({ length: 100 }, (_, index) => index));

    for (const [index, outcome] of outcomes.entries()) {
      if (index % 4 === 0) {
        expect(outcome).toEqual({ ok: false, error: new Error(`handler ${index} failed`) });
      } else {
        expect(outcome).toEqual({ ok: true, value: index });
      }
    }

    const metrics = executor.readMetrics();
    expect(metrics.failed).toBe(25);
    expect(metrics.executed).toBe(100);
  });

  it('keeps order after timeouts, waiting for an overdue handler', async () => {
    vi.useFakeTimers();
    const executor = new SerialExecutor({ recordHops: false, timeoutMs: 100 });
    const envelope = envelopeOf(0);
    const context = contextOf(envelope);
    const started: number[] = [];
    const gates: Gate[] = Array.from({ length: 3 }, () => gate());

    await executor.start();

    // Handler 0 ignores its signal; handler 1 honours it; handler 2 finishes in time.
    const first = outcomeOf(
      executor.execute(
        envelope,
        async () => {
          started.push(0);
          await gates[0]!.promise;
          return 0;
        },
        context,
      ),
    );
    const second = outcomeOf(
      executor.execute(
        envelope,
        (_env, _context, signal) => {
          started.push(1);
          return new Promise<number>((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
          });
        },
        context,
      ),
    );
    const third = outcomeOf(
      executor.execute(
        envelope,
        () => {
          started.push(2);
          return 2;
        },
        context,
      ),
    );

    await vi.advanceTimersByTimeAsync(100);

    const firstOutcome = await first;
    expect(firstOutcome.ok).toBe(false);
    expect((firstOutcome as { error: unknown }).error).toBeInstanceOf(ExecutionTimeoutError);

    // Handler 0 still holds the only slot: handler 1 must not have started.
    expect(started).toEqual([0]);
    expect(executor.readMetrics().overdue).toBe(1);

    gates[0]!.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual([0, 1]);

    await vi.advanceTimersByTimeAsync(100);
    const secondOutcome = await second;
    expect((secondOutcome as { error: unknown }).error).toBeInstanceOf(ExecutionTimeoutError);
    expect(await third).toEqual({ ok: true, value: 2 });
    expect(started).toEqual([0, 1, 2]);

    const metrics = executor.readMetrics();
    expect(metrics.timedOut).toBe(2);
    expect(metrics.overdue).toBe(0);
    expect(metrics.inFlight).toBe(0);
  });

  it('resolves a synchronous result and rejects a synchronous throw', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const envelope = envelopeOf(21);
    const context = contextOf(envelope);

    await executor.start();

    await expect(executor.execute(envelope, (env) => env.payload * 2, context)).resolves.toBe(42);
    await expect(
      executor.execute(
        envelope,
        () => {
          throw new RangeError('bad');
        },
        context,
      ),
    ).rejects.toThrow(RangeError);
  });

  it('calls the handler without a this binding', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const envelope = envelopeOf(0);
    let seenThis: unknown = 'not called';

    await executor.start();
    await executor.execute(
      envelope,
      function (this: unknown) {
        seenThis = typeof this;
      },
      contextOf(envelope),
    );

    expect(seenThis).toBe('undefined');
  });

  it('adopts a foreign thenable result', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const envelope = envelopeOf(0);

    await executor.start();

    const thenable = {
      then(onFulfilled: (value: string) => void) {
        onFulfilled('from thenable');
      },
    };

    await expect(executor.execute(envelope, () => thenable as unknown as Promise<string>, contextOf(envelope))).resolves.toBe(
      'from thenable',
    );
  });

  it('treats a throwing then getter as a handler failure', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const envelope = envelopeOf(0);

    await executor.start();

    const hostile = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('then getter failed');
      },
    });

    await expect(executor.execute(envelope, () => hostile, contextOf(envelope))).rejects.toThrow('then getter failed');
    expect(executor.readMetrics().failed).toBe(1);
    await expect(executor.execute(envelope, () => 'next', contextOf(envelope))).resolves.toBe('next');
  });
});
