import { describeSequenceProviderContract } from '@whizbang/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InMemorySequenceProvider, type MonotonicClock } from '../src/index.js';

/** A clock that only moves when a test moves it. */
class ManualClock implements MonotonicClock {
  time = 0;

  now(): number {
    return this.time;
  }

  advance(milliseconds: number): void {
    this.time += milliseconds;
  }
}

describeSequenceProviderContract('InMemorySequenceProvider', () => new InMemorySequenceProvider());

// With eviction on but a clock that never moves, nothing is evicted, so the whole contract holds.
describeSequenceProviderContract(
  'InMemorySequenceProvider with idle eviction',
  () => new InMemorySequenceProvider({ idleTimeoutMs: 1000, clock: new ManualClock() }),
);

describe('InMemorySequenceProvider', () => {
  it('is named in-memory', () => {
    expect(new InMemorySequenceProvider().name).toBe('in-memory');
  });

  it('sync and async methods share counters', async () => {
    const provider = new InMemorySequenceProvider();
    expect(provider.getCurrentSync('order-42')).toBe(0);
    expect(provider.getNextSync('order-42')).toBe(1);
    expect(await provider.getNext('order-42')).toBe(2);
    expect(provider.getNextSync('order-42')).toBe(3);
    expect(await provider.getCurrent('order-42')).toBe(3);
    expect(provider.getCurrentSync('order-42')).toBe(3);
  });

  it('counts up to MAX_SAFE_INTEGER, then throws', async () => {
    const provider = new InMemorySequenceProvider();
    await provider.reset('order-42', Number.MAX_SAFE_INTEGER - 2);

    expect(provider.getNextSync('order-42')).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(provider.getNextSync('order-42')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => provider.getNextSync('order-42')).toThrow(RangeError);
    expect(() => provider.getNextSync('order-42')).toThrow(/"order-42".*MAX_SAFE_INTEGER \(9007199254740991\).*Reset the stream/);
    await expect(provider.getNext('order-42')).rejects.toThrow(RangeError);
    expect(provider.getCurrentSync('order-42')).toBe(Number.MAX_SAFE_INTEGER);

    await provider.reset('order-42', Number.MAX_SAFE_INTEGER);
    expect(() => provider.getNextSync('order-42')).toThrow(RangeError);
  });

  it('sync methods reject bad keys', () => {
    const provider = new InMemorySequenceProvider();
    for (const key of ['', 42, undefined, null, {}]) {
      expect(() => provider.getNextSync(key as string)).toThrow(TypeError);
      expect(() => provider.getCurrentSync(key as string)).toThrow(/streamKey must be a non-empty string/);
    }
    expect(provider.size).toBe(0);
  });

  it('error messages show the bad value', async () => {
    const provider = new InMemorySequenceProvider();
    expect(() => provider.getNextSync('')).toThrow(/received "" \(string of length 0\)/);
    await expect(provider.reset('k', -3)).rejects.toThrow(/newValue must be an integer from 0 to Number\.MAX_SAFE_INTEGER.*received -3 \(number\)/);
    await expect(provider.reset('k', '3' as never)).rejects.toThrow(/newValue must be a number; received "3"/);
  });

  it('long keys are cut in messages', async () => {
    const provider = new InMemorySequenceProvider();
    const longKey = 'k'.repeat(100_000);
    await provider.reset(longKey, Number.MAX_SAFE_INTEGER);
    let message = '';
    try {
      provider.getNextSync(longKey);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('(string of length 100000)');
    expect(message.length).toBeLessThan(400);
  });

  it('rejects a signal that is not an AbortSignal', async () => {
    const provider = new InMemorySequenceProvider();
    await expect(provider.getNext('k', 'abort' as never)).rejects.toThrow(/signal must be an AbortSignal/);
    await expect(provider.getCurrent('k', {} as never)).rejects.toThrow(TypeError);
    await expect(provider.reset('k', 1, null as never)).rejects.toThrow(/signal/);
    expect(provider.getCurrentSync('k')).toBe(0);
  });

  it('aborted calls consume nothing', async () => {
    const provider = new InMemorySequenceProvider();
    const reason = new Error('shutting down');
    await expect(provider.getNext('k', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(provider.size).toBe(0);
    expect(provider.getNextSync('k')).toBe(1);
  });

  it('validates its options', () => {
    for (const idleTimeoutMs of [0, -1, Number.NaN, Infinity, '1000']) {
      expect(() => new InMemorySequenceProvider({ idleTimeoutMs: idleTimeoutMs as number })).toThrow(RangeError);
    }
    expect(() => new InMemorySequenceProvider({ idleTimeoutMs: 0 })).toThrow(/idleTimeoutMs must be a positive finite number.*received 0/);
    expect(() => new InMemorySequenceProvider({ clock: {} as MonotonicClock })).toThrow(/clock must be an object with a now\(\) method/);
    expect(() => new InMemorySequenceProvider({ idleTimeoutMs: 0.5 })).not.toThrow();
  });

  it('keeps every stream without eviction', () => {
    const provider = new InMemorySequenceProvider();
    for (let index = 0; index < 10_000; index++) provider.getNextSync(`request-${index}`);
    expect(provider.size).toBe(10_000);
    expect(provider.sweep()).toBe(0);
    expect(provider.size).toBe(10_000);
  });
});

describe('InMemorySequenceProvider idle eviction', () => {
  it('bounds memory over 1,000,000 distinct keys', () => {
    const clock = new ManualClock();
    const provider = new InMemorySequenceProvider({ idleTimeoutMs: 1000, clock });
    let largest = 0;

    // One new key per millisecond: about 1000 keys are live per idle timeout.
    for (let index = 0; index < 1_000_000; index++) {
      clock.advance(1);
      provider.getNextSync(`request-${index}`);
      if (provider.size > largest) largest = provider.size;
    }

    // A counter lives at most two timeouts: idle for one, then up to one more until the sweep.
    expect(largest).toBeLessThanOrEqual(2001);
    expect(provider.size).toBeLessThanOrEqual(2001);
  });

  it('continues a stream above its old numbers', () => {
    const clock = new ManualClock();
    const provider = new InMemorySequenceProvider({ idleTimeoutMs: 1000, clock });

    expect(provider.getNextSync('order-42')).toBe(1);
    expect(provider.getNextSync('order-42')).toBe(2);
    expect(provider.getNextSync('order-42')).toBe(3);

    clock.advance(1000);
    expect(provider.sweep()).toBe(1);
    expect(provider.size).toBe(0);

    // The evicted stream reports the floor, never less than what it handed out.
    expect(provider.getCurrentSync('order-42')).toBe(3);
    expect(provider.getNextSync('order-42')).toBe(4);
  });

  it('starts new streams above the floor', () => {
    const clock = new ManualClock();
    const provider = new InMemorySequenceProvider({ idleTimeoutMs: 1000, clock });

    for (let call = 0; call < 50; call++) provider.getNextSync('busy');
    provider.getNextSync('quiet');
    clock.advance(1000);
    provider.sweep();

    expect(provider.getCurrentSync('never-seen')).toBe(50);
    expect(provider.getNextSync('never-seen')).toBe(51);
    expect(provider.getNextSync('quiet')).toBe(51);
    expect(provider.getNextSync('quiet')).toBe(52);
  });

  it('keeps streams that stay active', () => {
    const clock = new ManualClock();
    const provider = new InMemorySequenceProvider({ idleTimeoutMs: 1000, clock });

    provider.getNextSync('idle');
    for (let call = 1; call <= 100; call++) {
      clock.advance(400);
      expect(provider.getNextSync('active')).toBe(call);
    }
    expect(provider.size).toBe(1);
    expect(provider.getNextSync('idle')).toBe(2);
  });

  it('sweeps on its own at most once per timeout', () => {
    const clock = new ManualClock();
    const provider = new InMemorySequenceProvider({ idleTimeoutMs: 1000, clock });

    provider.getNextSync('a');
    clock.advance(999);
    provider.getNextSync('b');
    expect(provider.size).toBe(2);

    // 'a' is idle for 1000 ms now; the call on 'b' sweeps because the last sweep is 1000 ms old.
    clock.advance(1);
    provider.getNextSync('b');
    expect(provider.size).toBe(1);
    expect(provider.getCurrentSync('a')).toBe(1);
  });

  it('reset and getCurrent keep a stream alive', async () => {
    const clock = new ManualClock();
    const provider = new InMemorySequenceProvider({ idleTimeoutMs: 1000, clock });

    await provider.reset('watched', 10);
    clock.advance(600);
    expect(provider.getCurrentSync('watched')).toBe(10);
    clock.advance(600);
    expect(provider.sweep()).toBe(0);
    expect(provider.getNextSync('watched')).toBe(11);
  });

  it('never repeats a number within a stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 5 }), fc.nat({ max: 1500 })), { minLength: 1, maxLength: 200 }),
        (steps) => {
          const clock = new ManualClock();
          const provider = new InMemorySequenceProvider({ idleTimeoutMs: 1000, clock });
          const last = new Map<number, { value: number; at: number }>();

          for (const [stream, pause] of steps) {
            clock.advance(pause);
            const value = provider.getNextSync(`stream-${stream}`);
            const previous = last.get(stream);

            if (previous !== undefined) {
              expect(value).toBeGreaterThan(previous.value);

              // A counter used within the timeout cannot have been evicted, so it continues by 1.
              if (clock.time - previous.at < 1000) expect(value).toBe(previous.value + 1);
            }
            last.set(stream, { value, at: clock.time });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
