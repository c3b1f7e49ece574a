import { createEnvelope, type MessageEnvelope } from '@whizbang/observability';
import { createPolicies, type ResolvedPolicy } from '@whizbang/policies';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { StreamRegistry } from '../src/index.js';
import { deferred, manualClock } from './helpers.js';

const context = {} as never;

function policy(topic = 'orders', partitions = 4, strategy: 'serial' | 'parallel' = 'serial'): ResolvedPolicy {
  const engine = createPolicies()
    .when(topic, () => true)
    .then((cfg) => cfg.useTopic(topic).withPartitions(partitions).useStrategy(strategy))
    .build();
  return engine.policies[0] as ResolvedPolicy;
}

function routed(topic: string, partitionIndex: number, streamKey = 'k'): MessageEnvelope {
  const envelope = createEnvelope({});
  envelope.setRouting({ topic, streamKey, partitionIndex, sequenceNumber: 1 });
  return envelope;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamRegistry', () => {
  it('creates one lane per topic partition on first use', async () => {
    const registry = new StreamRegistry({ recordHops: false });
    const orders = policy();

    const lane = registry.getOrCreate(orders, 2);
    expect(registry.getOrCreate(orders, 2)).toBe(lane);
    expect(registry.get('orders', 2)).toBe(lane);
    expect(registry.get('orders', 1)).toBeUndefined();
    expect(registry.get('other', 0)).toBeUndefined();
    expect(lane.name).toBe('orders#2');
    expect(lane.strategy.name).toBe('serial');
    expect(registry.size).toBe(1);

    registry.getOrCreate(orders, 0);
    registry.getOrCreate(policy('views', 2, 'parallel'), 1);
    expect([...registry.streams()].map((stream) => stream.name).sort()).toEqual(['orders#0', 'orders#2', 'views#1']);
    await registry.close();
  });

  it('runs messages on the lane strategy', async () => {
    const registry = new StreamRegistry({ recordHops: false });
    const lane = registry.getOrCreate(policy('views', 1, 'parallel'), 0);
    await expect(lane.run(routed('views', 0), () => 'ran', context)).resolves.toBe('ran');
    expect(lane.strategy.state).toBe('running');
    await registry.close();
    expect(lane.strategy.state).toBe('stopped');
  });

  it('rejects partitions outside the policy', () => {
    const registry = new StreamRegistry();
    expect(() => registry.getOrCreate(policy('orders', 4), 4)).toThrow('Invalid partitionIndex 4 for topic "orders": expected an integer from 0 to 3.');
    expect(() => registry.getOrCreate(policy('orders', 4), 1.5)).toThrow(RangeError);
  });

  it('evicts lanes idle for the timeout', async () => {
    const clock = manualClock();
    const registry = new StreamRegistry({ idleTimeoutMs: 1_000, sweepIntervalMs: 0, idleClock: clock, recordHops: false });
    const orders = policy();
    const busy = registry.getOrCreate(orders, 0);
    const quiet = registry.getOrCreate(orders, 1);

    clock.advance(600);
    await busy.run(routed('orders', 0), () => 1, context);
    expect(registry.evictIdle()).toBe(0);

    clock.advance(500);
    expect(registry.evictIdle()).toBe(1);
    expect(registry.get('orders', 1)).toBeUndefined();
    expect(registry.get('orders', 0)).toBe(busy);

    // The busy lane was last seen active by the sweep at 600 ms.
    clock.advance(499);
    expect(registry.evictIdle()).toBe(0);
    clock.advance(1);
    expect(registry.evictIdle()).toBe(1);
    expect(registry.size).toBe(0);

    await vi.waitFor(() => expect(quiet.strategy.state).toBe('stopped'));
    await vi.waitFor(() => expect(busy.strategy.state).toBe('stopped'));

    const again = registry.getOrCreate(orders, 1);
    expect(again).not.toBe(quiet);
    await registry.close();
  });

  it('never evicts a lane with pending messages', async () => {
    const clock = manualClock();
    const registry = new StreamRegistry({ idleTimeoutMs: 10, sweepIntervalMs: 0, idleClock: clock, recordHops: false });
    const lane = registry.getOrCreate(policy(), 0);
    const gate = deferred();
    const running = lane.run(routed('orders', 0), () => gate.promise, context);

    for (let sweep = 0; sweep < 5; sweep++) {
      clock.advance(100);
      expect(registry.evictIdle()).toBe(0);
    }
    gate.resolve();
    await running;

    // Idle time counts from the last sweep that saw the message pending.
    clock.advance(5);
    expect(registry.evictIdle()).toBe(0);
    clock.advance(5);
    expect(registry.evictIdle()).toBe(1);
  });

  it('sweeps on a timer while lanes exist', async () => {
    vi.useFakeTimers();
    const clock = manualClock();
    const registry = new StreamRegistry({ idleTimeoutMs: 1_000, idleClock: clock, recordHops: false });
    expect(vi.getTimerCount()).toBe(0);

    registry.getOrCreate(policy(), 0);
    expect(vi.getTimerCount()).toBe(1);

    clock.advance(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(registry.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps lanes forever with an infinite timeout', () => {
    const registry = new StreamRegistry({ idleTimeoutMs: Infinity });
    expect(registry.sweepIntervalMs).toBe(0);
    registry.getOrCreate(policy(), 0);
    expect(registry.evictIdle()).toBe(0);
  });

  it('reports lanes that fail to close', async () => {
    const clock = manualClock();
    const onError = vi.fn();
    const registry = new StreamRegistry({ idleTimeoutMs: 1, sweepIntervalMs: 0, idleClock: clock, onError, recordHops: false });
    const lane = registry.getOrCreate(policy(), 0);
    vi.spyOn(lane, 'close').mockRejectedValue(new Error('stuck'));

    clock.advance(5);
    expect(registry.evictIdle()).toBe(1);
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'stuck' })));
  });

  it('drains every lane', async () => {
    const registry = new StreamRegistry({ recordHops: false });
    const gates = [deferred(), deferred()];
    const lanes = [registry.getOrCreate(policy('a', 1, 'parallel'), 0), registry.getOrCreate(policy('b', 1), 0)];
    const results = lanes.map((lane, index) => lane.run(routed(index === 0 ? 'a' : 'b', 0), () => gates[index]?.promise, context));

    let drained = false;
    const draining = registry.drain().then(() => (drained = true));
    gates[0]?.resolve();
    await results[0];
    expect(drained).toBe(false);
    gates[1]?.resolve();
    await draining;
    await Promise.all(results);
    await expect(registry.drain(AbortSignal.abort())).resolves.toBeUndefined();

    const blocker = deferred();
    const stuck = lanes[0]?.run(routed('a', 0), () => blocker.promise, context);
    await expect(registry.drain(AbortSignal.abort(new Error('waited too long')))).rejects.toThrow('waited too long');
    blocker.resolve();
    await stuck;
    await registry.close();
  });

  it('refuses new lanes after close', async () => {
    const registry = new StreamRegistry();
    registry.getOrCreate(policy(), 0);
    await registry.close();
    expect(registry.size).toBe(0);
    expect(() => registry.getOrCreate(policy(), 0)).toThrow('The stream registry is closed; it creates no more lanes.');
  });

  it('rejects when a lane fails to close', async () => {
    const registry = new StreamRegistry();
    const lane = registry.getOrCreate(policy(), 0);
    vi.spyOn(lane, 'close').mockRejectedValue(new Error('stuck'));
    await expect(registry.close()).rejects.toThrow('stuck');
  });

  it.each([
    [{ idleTimeoutMs: 0 }, 'Invalid idleTimeoutMs: 0'],
    [{ idleTimeoutMs: Number.NaN }, 'Invalid idleTimeoutMs: NaN'],
    [{ sweepIntervalMs: -1 }, 'Invalid sweepIntervalMs: -1'],
    [{ sweepIntervalMs: 2 ** 31 }, 'Invalid sweepIntervalMs: 2147483648'],
    [{ idleClock: {} }, 'Invalid idleClock'],
    [{ clock: 5 }, 'Invalid clock'],
    [{ recordHops: 'yes' }, 'Invalid recordHops: yes'],
    [{ onError: 'log' }, 'Invalid onError'],
    [{ hopRecorder: 1 }, 'Invalid hopRecorder'],
  ])('rejects invalid options %#', (options, message) => {
    expect(() => new StreamRegistry(options as never)).toThrow(message);
  });

  it('rejects non-object options', () => {
    expect(() => new StreamRegistry(null as never)).toThrow('Invalid StreamRegistry options');
  });
});
