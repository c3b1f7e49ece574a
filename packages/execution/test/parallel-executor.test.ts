import { describe, expect, it } from 'vitest';

import { ParallelExecutor } from '../src/index.js';
import { ConcurrencyProbe, contextOf, envelopeOf, flushMicrotasks, gate } from './helpers.js';

describe('ParallelExecutor', () => {
  it.each([1, 3, 8, 32])('reaches and never exceeds maxConcurrency %i under load', async (limit) => {
    const executor = new ParallelExecutor({ maxConcurrency: limit, recordHops: false });
    const probe = new ConcurrencyProbe();
    const envelope = envelopeOf(0);
    const context = contextOf(envelope);
    let overLimit = 0;

    await executor.start();

    const calls = Array.from({ length: 20_000 }, (_, index) =>
      executor.execute(
        envelope,
        async () => {
          probe.enter();

          if (probe.current > limit) {
            overLimit++;
          }

          // Uneven handler lengths, so slots free up in a different order than they were taken.
          for (let step = 0; step <= (index * 7919) % 13; step++) {
            await Promise.resolve();
          }

          probe.leave();
          return index;
        },
        context,
      ),
    );

    const results = await Promise.all(calls);

    expect(results.every((value, index) => value === index)).toBe(true);
    expect(overLimit).toBe(0);
    expect(probe.max).toBe(limit);
    expect(executor.readMetrics().inFlight).toBe(0);
  });

  it('runs every message at once with the default unlimited concurrency', async () => {
    const executor = new ParallelExecutor({ recordHops: false });
    const probe = new ConcurrencyProbe();
    const release = gate();
    const envelope = envelopeOf(0);

    await executor.start();

    const calls = Array.from({ length: 1_000 }, () =>
      executor.execute(
        envelope,
        async () => {
          probe.enter();
          await release.promise;
          probe.leave();
        },
        contextOf(envelope),
      ),
    );

    expect(probe.current).toBe(1_000);
    release.open();
    await Promise.all(calls);
    expect(executor.maxConcurrency).toBe(Infinity);
  });

  describe('slot hand-off with maxConcurrency 1', () => {
    async function runHandOff(submitC: (submit: () => void, settleA: () => void) => void | Promise<void>): Promise<string[]> {
      const executor = new ParallelExecutor({ maxConcurrency: 1, recordHops: false });
      const probe = new ConcurrencyProbe();
      const envelope = envelopeOf(0);
      const context = contextOf(envelope);
      const events: string[] = [];
      const gateA = gate();
      const calls: Promise<unknown>[] = [];

      await executor.start();

      const handler = (name: string, wait?: Promise<void>) => async () => {
        probe.enter();
        events.push(`${name} start`);
        await wait;
        events.push(`${name} end`);
        probe.leave();
      };

      calls.push(executor.execute(envelope, handler('A', gateA.promise), context));
      calls.push(executor.execute(envelope, handler('B'), context));

      await submitC(
        () => {
          calls.push(executor.execute(envelope, handler('C'), context));
        },
        () => {
          gateA.open();
        },
      );

      await Promise.all(calls);
      expect(probe.max).toBe(1);
      return events;
    }

    const expected = ['A start', 'A end', 'B start', 'B end', 'C start', 'C end'];

    it('queues C submitted in the same tick as A settles behind B', async () => {
      const events = await runHandOff((submit, settleA) => {
        settleA();
        submit();
      });

      expect(events).toEqual(expected);
    });

    it('queues C submitted from A caller continuation behind B', async () => {
      const events = await runHandOff(async (submit, settleA) => {
        settleA();
        // Let A settle and its caller continue: the slot has passed to B by then.
        await flushMicrotasks(3);
        submit();
      });

      expect(events).toEqual(expected);
    });

    it('queues C submitted at every microtask while A settles behind B', async () => {
      for (let delay = 0; delay < 8; delay++) {
        const events = await runHandOff(async (submit, settleA) => {
          settleA();
          await flushMicrotasks(delay);
          submit();
        });

        expect(events).toEqual(expected);
      }
    });
  });
});
