import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

import {
  MAX_STREAM_KEY_BYTES,
  RedisConnectionError,
  RedisSequenceProvider,
  SequenceAllocationError,
  SequenceKeyLostError,
  redactRedisUrl,
} from '../src/index.js';
import { createFloor, createProvider } from './support/providers.js';
import { adminClient, redisUrl, uniquePrefix } from './support/servers.js';

const admin = adminClient();
afterEach(async () => {
  // Keys are removed by the global teardown; this only keeps the admin connection healthy.
  await admin.ping();
});

const ODD_KEYS = ["it's", 'a"b', 'drop; table', 'line\nbreak\r\ttab', 'Ünïcödé ключ 键 🚀', '\\backslash\\', '*?[glob]', ' '];

describe.each([
  ['without floor', false],
  ['with floor', true],
])('RedisSequenceProvider %s', (_label, withFloor) => {
  const create = (keyPrefix = uniquePrefix()) =>
    createProvider({ keyPrefix, ...(withFloor ? { floor: createFloor(), floorStep: 10 } : {}) });

  it('starts at 1 and counts up', async () => {
    const provider = create();

    expect(await provider.getCurrent('order-1')).toBe(0);
    expect(await provider.getNext('order-1')).toBe(1);
    expect(await provider.getNext('order-1')).toBe(2);
    expect(await provider.getCurrent('order-1')).toBe(2);
    expect(await provider.getNext('order-2')).toBe(1);
  });

  it('stores odd stream keys verbatim', async () => {
    const keyPrefix = uniquePrefix();
    const provider = create(keyPrefix);

    for (const [index, key] of ODD_KEYS.entries()) {
      await provider.reset(key, index * 10);
      expect(await provider.getNext(key)).toBe(index * 10 + 1);
    }

    for (const [index, key] of ODD_KEYS.entries()) {
      expect(await admin.hget(keyPrefix + key, 'v')).toBe(String(index * 10 + 1));
    }
    const stored = await admin.keys(`${keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`);
    expect(stored.map((key) => key.slice(keyPrefix.length)).sort()).toEqual([...ODD_KEYS].sort());
  });

  it('rejects a key over the maximum length', async () => {
    const provider = create();
    const key = '键'.repeat(Math.ceil(MAX_STREAM_KEY_BYTES / 3) + 1);

    await expect(provider.getNext(key)).rejects.toThrow(RangeError);
    await expect(provider.getNext(key)).rejects.toThrow(/streamKey is \d+ UTF-8 bytes/);
    expect(await provider.getNext('键'.repeat(MAX_STREAM_KEY_BYTES / 4) + 'abcd'.repeat(MAX_STREAM_KEY_BYTES / 16))).toBe(1);
  });

  it('counts exactly up to MAX_SAFE_INTEGER', async () => {
    const provider = create();
    await provider.reset('near-limit', Number.MAX_SAFE_INTEGER - 2);

    expect(await provider.getNext('near-limit')).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(await provider.getNext('near-limit')).toBe(Number.MAX_SAFE_INTEGER);
    await expect(provider.getNext('near-limit')).rejects.toThrow(RangeError);
    await expect(provider.getNext('near-limit')).rejects.toThrow(/MAX_SAFE_INTEGER/);
    expect(await provider.getCurrent('near-limit')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects a stored counter above MAX_SAFE_INTEGER', async () => {
    const keyPrefix = uniquePrefix();
    const provider = create(keyPrefix);
    await provider.getNext('beyond');
    await admin.hset(`${keyPrefix}beyond`, 'v', '9007199254740993');

    await expect(provider.getCurrent('beyond')).rejects.toThrow(/9007199254740993/);
    await expect(provider.getNext('beyond')).rejects.toThrow(RangeError);
  });

  it('hands out distinct numbers to concurrent callers', async () => {
    const provider = create();

    const numbers = await Promise.all(Array.from({ length: 500 }, () => provider.getNext('busy')));

    expect(new Set(numbers).size).toBe(500);
    expect(Math.max(...numbers)).toBe(500);
  });
});

describe('RedisSequenceProvider lost key', () => {
  it('continues at 6 from a floor with step 1', async () => {
    const keyPrefix = uniquePrefix();
    const provider = createProvider({ keyPrefix, floor: createFloor(), floorStep: 1 });
    for (let expected = 1; expected <= 5; expected++) expect(await provider.getNext('order-1')).toBe(expected);

    await admin.del(`${keyPrefix}order-1`);

    expect(await provider.getCurrent('order-1')).toBe(5);
    expect(await provider.getNext('order-1')).toBe(6);
    expect(await provider.getNext('order-1')).toBe(7);
  });

  it('continues above the covered range with a larger step', async () => {
    const keyPrefix = uniquePrefix();
    const provider = createProvider({ keyPrefix, floor: createFloor(), floorStep: 10 });
    for (let expected = 1; expected <= 5; expected++) expect(await provider.getNext('order-1')).toBe(expected);

    await admin.del(`${keyPrefix}order-1`);

    // The first number raised the floor to 1 + 10 - 1 = 10, so numbers continue at 11.
    expect(await provider.getNext('order-1')).toBe(11);
  });

  it('lets another process continue from the floor', async () => {
    const keyPrefix = uniquePrefix();
    const floor = createFloor();
    const first = createProvider({ keyPrefix, floor, floorStep: 1 });
    for (let expected = 1; expected <= 5; expected++) await first.getNext('order-1');

    await admin.del(`${keyPrefix}order-1`);
    const second = createProvider({ keyPrefix, floor, floorStep: 1 });

    expect(await second.getNext('order-1')).toBe(6);
    expect(await first.getNext('order-1')).toBe(7);
  });

  it('fails clearly without a floor', async () => {
    const keyPrefix = uniquePrefix();
    const provider = createProvider({ keyPrefix });
    for (let expected = 1; expected <= 5; expected++) await provider.getNext('order-1');

    await admin.del(`${keyPrefix}order-1`);

    await expect(provider.getNext('order-1')).rejects.toThrow(SequenceKeyLostError);
    await expect(provider.getNext('order-1')).rejects.toThrow(/order-1.*missing/);
    await expect(provider.getCurrent('order-1')).rejects.toThrow(SequenceKeyLostError);

    await provider.reset('order-1', 5);
    expect(await provider.getNext('order-1')).toBe(6);
  });

  it('raises the floor on reset forwards', async () => {
    const keyPrefix = uniquePrefix();
    const floor = createFloor();
    const provider = createProvider({ keyPrefix, floor, floorStep: 1 });
    await provider.reset('order-1', 40);

    await admin.del(`${keyPrefix}order-1`);

    expect(await floor.load('order-1')).toBe(40);
    expect(await provider.getNext('order-1')).toBe(41);
  });

  it('never repeats a number under repeated deletes', async () => {
    const keyPrefix = uniquePrefix();
    const floor = createFloor();
    const providers = [1, 2, 3].map(() => createProvider({ keyPrefix, floor, floorStep: 7 }));
    const numbers: number[] = [];
    const errors: unknown[] = [];
    let deletes = 0;
    let running = true;

    // Deletes the key each time another 60 numbers were handed out, while 12 callers draw.
    const deleter = (async () => {
      let mark = 0;
      while (running) {
        if (numbers.length >= mark + 60) {
          mark = numbers.length;
          deletes += await admin.del(`${keyPrefix}hot`);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await Promise.all(
      providers.flatMap((provider) =>
        Array.from({ length: 4 }, async () => {
          let previous = 0;
          for (let call = 0; call < 300; call++) {
            try {
              const value = await provider.getNext('hot');
              expect(value).toBeGreaterThan(previous);
              previous = value;
              numbers.push(value);
            } catch (error) {
              errors.push(error);
            }
          }
        }),
      ),
    );
    running = false;
    await deleter;

    expect(deletes).toBeGreaterThan(10);
    for (const error of errors) expect(error).toBeInstanceOf(SequenceAllocationError);
    expect(numbers.length + errors.length).toBe(3 * 4 * 300);
    expect(numbers.length).toBeGreaterThan(3 * 4 * 300 * 0.9);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});

describe('RedisSequenceProvider options', () => {
  it('rejects invalid options naming them', () => {
    const url = redisUrl();

    expect(() => new RedisSequenceProvider({ url, floorStep: 0 })).toThrow(/options\.floorStep/);
    expect(() => new RedisSequenceProvider({ url, commandTimeoutMillis: 0 })).toThrow(/options\.commandTimeoutMillis/);
    expect(() => new RedisSequenceProvider({ url, keyPrefix: 5 as unknown as string })).toThrow(/options\.keyPrefix/);
    expect(() => new RedisSequenceProvider({ url, floor: {} as never })).toThrow(/options\.floor/);
    expect(() => new RedisSequenceProvider({ url: '' })).toThrow(/options\.url/);
    expect(() => new RedisSequenceProvider(undefined as never)).toThrow(TypeError);
  });

  it('rejects a client that queues or re-sends commands', () => {
    const client = new Redis(redisUrl(), { lazyConnect: true });
    try {
      expect(() => new RedisSequenceProvider({ client })).toThrow(/enableOfflineQueue: false/);
    } finally {
      client.disconnect();
    }
  });

  it('uses a fail-fast client it was given', async () => {
    const client = new Redis(redisUrl(), { enableOfflineQueue: false, autoResendUnfulfilledCommands: false, commandTimeout: 1_000, lazyConnect: true });
    const provider = createProvider({ client });

    expect(await provider.getNext('given-client')).toBe(1);
    await provider.close();
    expect(client.status).toBe('ready');
    client.disconnect();
  });
});

describe('RedisSequenceProvider connection errors', () => {
  it('never show the password', async () => {
    expect(redactRedisUrl('redis://user:hunter2@127.0.0.1:6379/0')).toBe('redis://user:***@127.0.0.1:6379/0');
    // Port 1 on the loopback address is closed, so every connection attempt is refused.
    const provider = createProvider({ url: 'redis://user:hunter2-secret@127.0.0.1:1/0', connectTimeoutMillis: 500 });

    const error = await provider.getNext('order-1').then(
      () => undefined,
      (rejection: unknown) => rejection,
    );

    expect(error).toBeInstanceOf(RedisConnectionError);
    const connectionError = error as RedisConnectionError;
    expect(connectionError.message).toContain('redis://user:***@127.0.0.1:1/0');
    expect(JSON.stringify({ message: connectionError.message, stack: connectionError.stack, own: { ...connectionError } })).not.toContain(
      'hunter2',
    );
  });
});
