import { describe, expect, it, vi } from 'vitest';

import { callSiteFromPosition } from '../src/caller/resolved-call-site.js';
import { createCallSite } from '../src/caller/capture.js';
import type { Clock } from '../src/clock.js';
import { hopFromJSON, hopToJSON, recordHop, type HopInit } from '../src/hop.js';
import type { MonotonicClock } from '../src/monotonic-clock.js';
import { createProcessIdentityResolver, getProcessIdentity, type ProcessIdentitySources } from '../src/process-identity.js';

const fixedClock: Clock = { now: () => 1_750_000_000_000 };

function init(overrides: Partial<HopInit> = {}): HopInit {
  return { topic: 'orders', streamKey: 'order-42', executionStrategy: 'serial', clock: fixedClock, ...overrides };
}

describe('recordHop', () => {
  it('records routing, strategy and clock time', () => {
    const hop = recordHop(init({ partitionIndex: 3, sequenceNumber: 17 }));

    expect(hop).toMatchObject({
      topic: 'orders',
      streamKey: 'order-42',
      partitionIndex: 3,
      sequenceNumber: 17,
      executionStrategy: 'serial',
      timestamp: 1_750_000_000_000,
      durationMs: 0,
    });
  });

  it('leaves partition and sequence undefined by default', () => {
    const hop = recordHop(init());

    expect(hop.partitionIndex).toBeUndefined();
    expect(hop.sequenceNumber).toBeUndefined();
  });

  it('freezes hops', () => {
    const hop = recordHop(init());

    expect(Object.isFrozen(hop)).toBe(true);
    expect(() => {
      (hop as { topic: string }).topic = 'other';
    }).toThrow(TypeError);
  });

  it('uses the given caller', () => {
    const caller = createCallSite({ fileName: '/app/dist/orders.js', line: 3, column: 7 });

    expect(recordHop(init(), caller).caller).toBe(caller);
  });

  it('measures duration from the monotonic clock', () => {
    let monotonicNow = 5_000.25;
    const monotonicClock: MonotonicClock = { now: () => monotonicNow };
    const startedAt = monotonicClock.now();
    monotonicNow += 12.5;
    const wallClock = vi.fn(() => 1_000);
    const dateNow = vi.spyOn(Date, 'now');
    try {
      const hop = recordHop(init({ startedAt, monotonicClock, clock: { now: wallClock } }));

      expect(hop.durationMs).toBe(12.5);
      expect(wallClock).toHaveBeenCalledTimes(1);
      expect(dateNow).not.toHaveBeenCalled();
    } finally {
      dateNow.mockRestore();
    }
  });

  it('reads performance.now by default', () => {
    const now = vi.spyOn(performance, 'now').mockReturnValue(900);
    try {
      expect(recordHop(init({ startedAt: 400 })).durationMs).toBe(500);
      expect(now).toHaveBeenCalledTimes(1);
    } finally {
      now.mockRestore();
    }
  });

  it('never reports a negative duration', () => {
    const monotonicClock: MonotonicClock = { now: () => 10 };

    expect(recordHop(init({ startedAt: 50, monotonicClock })).durationMs).toBe(0);
  });

  it('prefers an explicit duration', () => {
    const monotonicClock = { now: vi.fn(() => 10) };

    expect(recordHop(init({ durationMs: 3, startedAt: 1, monotonicClock })).durationMs).toBe(3);
    expect(monotonicClock.now).not.toHaveBeenCalled();
  });

  it('rejects invalid input with named errors', () => {
    const cases: [unknown, RegExp, ErrorConstructor][] = [
      [undefined, /init/, TypeError],
      [{ ...init(), topic: '' }, /init\.topic/, TypeError],
      [{ ...init(), streamKey: 42 }, /init\.streamKey.*number 42/, TypeError],
      [{ ...init(), partitionIndex: -1 }, /init\.partitionIndex/, RangeError],
      [{ ...init(), partitionIndex: 1.5 }, /init\.partitionIndex/, RangeError],
      [{ ...init(), sequenceNumber: Number.MAX_SAFE_INTEGER + 1 }, /init\.sequenceNumber/, RangeError],
      [{ ...init(), executionStrategy: '' }, /init\.executionStrategy/, TypeError],
      [{ ...init(), durationMs: -1 }, /init\.durationMs/, RangeError],
      [{ ...init(), durationMs: Number.NaN }, /init\.durationMs/, RangeError],
      [{ ...init(), startedAt: Infinity }, /init\.startedAt/, RangeError],
    ];
    for (const [value, message, type] of cases) {
      expect(() => recordHop(value as HopInit)).toThrow(type);
      expect(() => recordHop(value as HopInit)).toThrow(message);
    }
    expect(() => recordHop(init(), {} as never)).toThrow(/caller/);
  });
});

describe('process identity', () => {
  it('gives every hop the process names', () => {
    const first = recordHop(init());
    const second = recordHop(init());

    expect(first.serviceName).toBe(getProcessIdentity().serviceName);
    expect(first.machineName).toBe(getProcessIdentity().machineName);
    expect(second.serviceName).toBe(first.serviceName);
  });

  it('resolves the names once', () => {
    const sources: ProcessIdentitySources = {
      env: vi.fn(() => ({ WHIZBANG_SERVICE_NAME: 'billing' })),
      entryScript: vi.fn(() => undefined),
      title: vi.fn(() => 'node'),
      hostname: vi.fn(() => 'worker-7'),
      readFile: vi.fn(() => {
        throw new Error('not found');
      }),
    };
    const resolve = createProcessIdentityResolver(sources);

    const identities = [resolve(), resolve(), resolve()];

    expect(identities[0]).toEqual({ serviceName: 'billing', machineName: 'worker-7' });
    expect(identities[1]).toBe(identities[0]);
    expect(sources.env).toHaveBeenCalledTimes(1);
    expect(sources.hostname).toHaveBeenCalledTimes(1);
  });

  it('keeps the first names after the environment changes', () => {
    const env: Record<string, string | undefined> = { WHIZBANG_SERVICE_NAME: 'first' };
    const resolve = createProcessIdentityResolver({
      env: () => env,
      entryScript: () => undefined,
      title: () => 'node',
      hostname: () => 'host',
      readFile: () => '{}',
    });

    expect(resolve().serviceName).toBe('first');
    env['WHIZBANG_SERVICE_NAME'] = 'second';
    expect(resolve().serviceName).toBe('first');
  });

  it('falls back to the entry package name', () => {
    const files: Record<string, string> = { '/srv/app/package.json': JSON.stringify({ name: '@shop/orders' }) };
    const resolve = createProcessIdentityResolver({
      env: () => ({}),
      entryScript: () => '/srv/app/dist/main.js',
      title: () => 'node',
      hostname: () => 'host',
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw new Error(`ENOENT ${path}`);
        return text;
      },
    });

    expect(resolve().serviceName).toBe('@shop/orders');
  });

  it('falls back to the process title', () => {
    const resolve = createProcessIdentityResolver({
      env: () => ({ WHIZBANG_SERVICE_NAME: '  ' }),
      entryScript: () => '/srv/app/main.js',
      title: () => 'orders-worker',
      hostname: () => {
        throw new Error('no hostname');
      },
      readFile: () => JSON.stringify({ private: true }),
    });

    expect(resolve()).toEqual({ serviceName: 'orders-worker', machineName: 'unknown' });
  });
});

describe('hop JSON', () => {
  it('serialises with the caller resolved', () => {
    const caller = callSiteFromPosition({
      functionName: 'placeOrder',
      filePath: '/repo/src/orders.ts',
      relativePath: 'src/orders.ts',
      line: 12,
      column: 5,
      origin: 'source-map',
    });
    const hop = recordHop(init({ partitionIndex: 1, sequenceNumber: 2, durationMs: 4 }), caller);

    const json = JSON.parse(JSON.stringify(hopToJSON(hop))) as unknown;

    expect(json).toEqual({
      serviceName: hop.serviceName,
      machineName: hop.machineName,
      timestamp: 1_750_000_000_000,
      topic: 'orders',
      streamKey: 'order-42',
      partitionIndex: 1,
      sequenceNumber: 2,
      executionStrategy: 'serial',
      durationMs: 4,
      caller: { functionName: 'placeOrder', filePath: '/repo/src/orders.ts', relativePath: 'src/orders.ts', line: 12, column: 5, origin: 'source-map' },
    });
  });

  it('reads back what it wrote', () => {
    const hop = recordHop(init({ partitionIndex: 0 }));
    const json = hopToJSON(hop);

    const restored = hopFromJSON(JSON.parse(JSON.stringify(json)));

    expect(hopToJSON(restored)).toEqual(JSON.parse(JSON.stringify(json)));
    expect(restored.caller.resolve()).toEqual(hop.caller.resolve());
    expect(Object.isFrozen(restored)).toBe(true);
  });

  it('accepts null for missing fields', () => {
    const json = { ...JSON.parse(JSON.stringify(hopToJSON(recordHop(init())))), partitionIndex: null };
    json.caller = { ...json.caller, line: null };

    const restored = hopFromJSON(json);

    expect(restored.partitionIndex).toBeUndefined();
    expect(restored.caller.resolve().line).toBeUndefined();
  });

  it('rejects malformed hops', () => {
    const good = JSON.parse(JSON.stringify(hopToJSON(recordHop(init()))));

    expect(() => hopFromJSON(null)).toThrow(TypeError);
    expect(() => hopFromJSON({ ...good, topic: 1 })).toThrow(/json\.topic/);
    expect(() => hopFromJSON({ ...good, timestamp: 'x' })).toThrow(/json\.timestamp/);
    expect(() => hopFromJSON({ ...good, sequenceNumber: -2 })).toThrow(/json\.sequenceNumber/);
    expect(() => hopFromJSON({ ...good, caller: { ...good.caller, origin: 'guess' } })).toThrow(/position\.origin/);
    expect(() => hopFromJSON({ ...good, caller: { ...good.caller, line: '3' } })).toThrow(/position\.line/);
    expect(() => hopFromJSON({ ...good, caller: undefined })).toThrow(/position/);
  });
});
