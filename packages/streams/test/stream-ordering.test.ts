import { createPolicies } from '@whizbang/policies';
import { RoundRobinPartitionRouter } from '@whizbang/partitioning';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createDispatcher } from '../src/index.js';
import { orderPlaced, type OrderPlaced } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

interface Observation {
  readonly starts: Map<string, number[]>;
  readonly maxRunningPerKey: Map<string, number>;
  crossKeyOverlap: boolean;
  maxRunning: number;
}

function observe(): { observation: Observation; handler: (order: OrderPlaced, ctx: { envelope: { sequenceNumber: number | undefined } }) => Promise<void> } {
  const observation: Observation = { starts: new Map(), maxRunningPerKey: new Map(), crossKeyOverlap: false, maxRunning: 0 };
  const running = new Map<string, number>();
  let total = 0;

  const handler = async (order: OrderPlaced, ctx: { envelope: { sequenceNumber: number | undefined } }): Promise<void> => {
    const key = order.aggregateId;
    const starts = observation.starts.get(key) ?? [];
    starts.push(ctx.envelope.sequenceNumber ?? -1);
    observation.starts.set(key, starts);

    running.set(key, (running.get(key) ?? 0) + 1);
    total += 1;
    observation.maxRunningPerKey.set(key, Math.max(observation.maxRunningPerKey.get(key) ?? 0, running.get(key) ?? 0));
    observation.maxRunning = Math.max(observation.maxRunning, total);
    if ([...running.values()].filter((count) => count > 0).length > 1) observation.crossKeyOverlap = true;

    await new Promise((resolve) => setTimeout(resolve, order.delayMs ?? 0));

    running.set(key, (running.get(key) ?? 0) - 1);
    total -= 1;
  };
  return { observation, handler };
}

/** Advances fake time 1 ms at a time until `done` settles (at most `limitMs`). */
async function runUntilSettled(done: Promise<unknown>, limitMs: number): Promise<void> {
  let settled = false;
  done.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let elapsed = 0; !settled && elapsed < limitMs; elapsed++) await vi.advanceTimersByTimeAsync(1);
  expect(settled, `messages still pending after ${limitMs} ms of fake time`).toBe(true);
}

describe('stream ordering', () => {
  it('parallel lane serialises each stream key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 40, maxLength: 40 }), async (delays) => {
        vi.useFakeTimers();
        try {
          const { observation, handler } = observe();
          const policies = createPolicies<OrderPlaced>()
            .when('orders', () => true)
            .then((cfg) => cfg.useTopic('orders').useStream((ctx) => ctx.getAggregateId() ?? 'none').useStrategy('parallel').withConcurrency(4).withPartitions(1));
          const dispatcher = createDispatcher<OrderPlaced>({ policies, recordHops: false, handlers: { OrderPlaced: handler } });

          const results = delays.map((delayMs, index) => dispatcher.dispatch(orderPlaced(index % 2 === 0 ? 'A' : 'B', { index, delayMs })));
          await runUntilSettled(Promise.all(results), 2_000);

          const expected = Array.from({ length: 20 }, (_, index) => index + 1);
          expect(observation.starts.get('A')).toEqual(expected);
          expect(observation.starts.get('B')).toEqual(expected);
          expect(observation.maxRunningPerKey.get('A')).toBe(1);
          expect(observation.maxRunningPerKey.get('B')).toBe(1);
          expect(observation.crossKeyOverlap).toBe(true);
          await dispatcher.shutdown();
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('serial lane runs everything in dispatch order', async () => {
    vi.useFakeTimers();
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const policies = createPolicies<OrderPlaced>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => ctx.getAggregateId() ?? 'none').useStrategy('serial'));
    const dispatcher = createDispatcher<OrderPlaced>({
      policies,
      handlers: {
        OrderPlaced: async (placed) => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          order.push(`${placed.aggregateId}${placed.index}`);
          await new Promise((resolve) => setTimeout(resolve, placed.delayMs));
          running -= 1;
        },
      },
    });

    const keys = ['A', 'B', 'A', 'C', 'B', 'A'];
    const results = keys.map((key, index) => dispatcher.dispatch(orderPlaced(key, { index, delayMs: 10 - index })));
    await runUntilSettled(Promise.all(results), 1_000);

    expect(order).toEqual(['A0', 'B1', 'A2', 'C3', 'B4', 'A5']);
    expect(maxRunning).toBe(1);
    await dispatcher.shutdown();
  });

  it('round-robin keeps order within each partition', async () => {
    const seen = new Map<number, number[]>();
    const policies = createPolicies<OrderPlaced>()
      .when('views', () => true)
      .then((cfg) => cfg.useTopic('views').useStream('views-shared').useStrategy('parallel').withConcurrency(20).withPartitions(3).usePartitionRouter(new RoundRobinPartitionRouter()));
    const dispatcher = createDispatcher<OrderPlaced>({
      policies,
      handlers: {
        OrderPlaced: async (_placed, ctx) => {
          const partition = ctx.envelope.partitionIndex as number;
          seen.set(partition, [...(seen.get(partition) ?? []), ctx.envelope.sequenceNumber as number]);
          await Promise.resolve();
        },
      },
    });

    await Promise.all(Array.from({ length: 30 }, (_, index) => dispatcher.dispatch(orderPlaced('x', { index }))));
    expect([...seen.keys()].sort()).toEqual([0, 1, 2]);
    for (const [partition, numbers] of seen) {
      expect(numbers).toEqual(Array.from({ length: 10 }, (_, index) => partition + 1 + index * 3));
    }
    await dispatcher.shutdown();
  });
});
