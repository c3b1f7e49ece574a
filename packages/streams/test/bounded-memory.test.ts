import { HashPartitionRouter } from '@whizbang/partitioning';
import { createPolicies } from '@whizbang/policies';
import { InMemorySequenceProvider } from '@whizbang/sequencing';
import { describe, expect, it } from 'vitest';

import { createDispatcher } from '../src/index.js';
import { manualClock, orderPlaced, type OrderPlaced } from './helpers.js';

const MESSAGES = 1_000_000;

/** Messages between two steps of the idle clock. */
const BATCH = 10_000;

/** Dispatches awaited together: a smaller window keeps fewer messages alive at once, so the garbage collector has less to scan. */
const WINDOW = 1_000;
const PARTITIONS = 8;
const IDLE_TIMEOUT_MS = 1_000;

describe('bounded memory', () => {
  it('keeps lanes, keys and counters bounded when stream keys never repeat', { timeout: 120_000 }, async () => {
    const idleClock = manualClock();
    const sequences = new InMemorySequenceProvider({ idleTimeoutMs: IDLE_TIMEOUT_MS, clock: idleClock });
    const policies = createPolicies<OrderPlaced>()
      .when('orders', () => true)
      .then((cfg) =>
        cfg
          .useTopic('orders')
          .useStream((ctx) => `order-${ctx.getAggregateId()}`)
          .useStrategy('parallel')
          .withConcurrency(64)
          .withPartitions(PARTITIONS)
          .usePartitionRouter(new HashPartitionRouter())
          .useSequenceProvider(sequences),
      );
    const dispatcher = createDispatcher<OrderPlaced>({
      policies,
      captureCallers: false,
      lanes: { idleTimeoutMs: IDLE_TIMEOUT_MS, sweepIntervalMs: 0, idleClock },
      handlers: { OrderPlaced: (order, ctx) => (ctx.envelope.streamKey === `order-${order.aggregateId}` ? ctx.envelope.sequenceNumber : -1) },
    });

    const firstNumber = await dispatcher.dispatch<number>(orderPlaced('0'));
    let checked = 1;
    let batches = 0;
    let lowest = firstNumber;
    let maxCounters = 0;
    let maxLanes = 0;

    for (let start = 1; start < MESSAGES; start += BATCH) {
      const end = Math.min(start + BATCH, MESSAGES);
      const numbers: number[] = [];
      for (let windowStart = start; windowStart < end; windowStart += WINDOW) {
        const results: Promise<number>[] = [];
        for (let index = windowStart; index < Math.min(windowStart + WINDOW, end); index++) results.push(dispatcher.dispatch<number>(orderPlaced(String(index))));
        numbers.push(...(await Promise.all(results)));
      }

      // A stream not in memory starts 1 above the eviction floor: the highest number an evicted
      // counter had handed out. The floor only rises, by at most 1 per sweep (each stream holds
      // one number per batch), and sweeps follow the clock, which moves once per batch.
      batches += 1;
      for (let offset = 0; offset < numbers.length; offset++) {
        const number = numbers[offset] as number;
        if (number < lowest || number > batches + 1) {
          expect.fail(`message ${start + offset} got sequence number ${number}, expected ${lowest} to ${batches + 1}`);
        }
        lowest = number;
        checked += 1;
      }

      maxCounters = Math.max(maxCounters, sequences.size);
      maxLanes = Math.max(maxLanes, dispatcher.registry.size);
      for (const lane of dispatcher.registry.streams()) expect(lane.activeStreamKeys).toBe(0);
      expect(dispatcher.inFlight).toBe(0);

      idleClock.advance(IDLE_TIMEOUT_MS);
      dispatcher.registry.evictIdle();
    }

    expect(checked).toBe(MESSAGES);
    expect(maxLanes).toBeLessThanOrEqual(PARTITIONS);
    // Counters of at most the current and the previous batch survive a sweep.
    expect(maxCounters).toBeLessThanOrEqual(2 * BATCH);
    expect(sequences.size).toBeLessThanOrEqual(2 * BATCH);

    // Eviction never lets a stream's numbers go back: the first stream comes back above its old number.
    const again = await dispatcher.dispatch<number>(orderPlaced('0'));
    expect(again).toBeGreaterThan(firstNumber);

    idleClock.advance(IDLE_TIMEOUT_MS);
    dispatcher.registry.evictIdle();
    idleClock.advance(IDLE_TIMEOUT_MS);
    dispatcher.registry.evictIdle();
    expect(dispatcher.registry.size).toBe(0);
    sequences.sweep();
    expect(sequences.size).toBe(0);
    await dispatcher.shutdown();
  });
});
