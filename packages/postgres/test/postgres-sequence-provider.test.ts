import { afterEach, describe, expect, it } from 'vitest';

import {
  MAX_STREAM_KEY_BYTES,
  PostgresSchemaVersionError,
  PostgresSequenceProvider,
  type PostgresSequenceProviderOptions,
} from '../src/index.js';
import { query, testDatabaseUrl, uniqueSchema } from './support/postgres.js';

const providers: PostgresSequenceProvider[] = [];

function createProvider(options: Partial<PostgresSequenceProviderOptions> = {}): PostgresSequenceProvider {
  const provider = new PostgresSequenceProvider({ connectionString: testDatabaseUrl(), schema: uniqueSchema(), ...options });
  providers.push(provider);
  return provider;
}

afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
});

const ODD_KEYS = [
  "it's",
  'a"b',
  'drop; table',
  "'); DROP TABLE whizbang_sequences; --",
  'line\nbreak\r\ttab',
  'Ünïcödé ключ 键 🚀',
  '\\backslash\\',
  '$1',
  ' ',
];

describe.each([1, 100])('PostgresSequenceProvider (blockSize %i)', (blockSize) => {
  it('starts at 1 and counts up', async () => {
    const provider = createProvider({ blockSize });

    expect(await provider.getCurrent('order-1')).toBe(0);
    expect(await provider.getNext('order-1')).toBe(1);
    expect(await provider.getNext('order-1')).toBe(2);
    expect(await provider.getCurrent('order-1')).toBe(2);
    expect(await provider.getNext('order-2')).toBe(1);
  });

  it('reset sets the next number', async () => {
    const provider = createProvider({ blockSize });
    await provider.getNext('order-1');

    await provider.reset('order-1', 41);
    expect(await provider.getCurrent('order-1')).toBe(41);
    expect(await provider.getNext('order-1')).toBe(42);

    await provider.reset('order-1');
    expect(await provider.getNext('order-1')).toBe(1);
  });

  it('stores odd stream keys verbatim', async () => {
    const schema = uniqueSchema();
    const provider = createProvider({ blockSize, schema });

    for (const [index, key] of ODD_KEYS.entries()) {
      await provider.reset(key, index * 10);
      expect(await provider.getNext(key)).toBe(index * 10 + 1);
    }

    const rows = await query<{ stream_key: string }>(`SELECT stream_key FROM ${schema}.whizbang_sequences`);
    expect(rows.map((row) => row.stream_key).sort()).toEqual([...ODD_KEYS].sort());
  });

  it('accepts a key of the maximum length', async () => {
    const provider = createProvider({ blockSize });
    const key = '键'.repeat(MAX_STREAM_KEY_BYTES / 4) + 'abcd'.repeat(MAX_STREAM_KEY_BYTES / 16);
    expect(Buffer.byteLength(key)).toBe(MAX_STREAM_KEY_BYTES);

    expect(await provider.getNext(key)).toBe(1);
  });

  it('rejects a key over the maximum length', async () => {
    const provider = createProvider({ blockSize });
    const key = 'é'.repeat(MAX_STREAM_KEY_BYTES / 2) + 'x';

    await expect(provider.getNext(key)).rejects.toThrow(RangeError);
    await expect(provider.getNext(key)).rejects.toThrow(/streamKey is 513 UTF-8 bytes/);
    await expect(provider.getCurrent(key)).rejects.toThrow(/streamKey/);
    await expect(provider.reset(key, 1)).rejects.toThrow(/streamKey/);
  });

  it('rejects invalid stream keys naming the argument', async () => {
    const provider = createProvider({ blockSize });

    for (const key of ['', 42, undefined, null, {}, 'nul\u0000byte', 'lone\uD800surrogate']) {
      await expect(provider.getNext(key as string)).rejects.toThrow(TypeError);
      await expect(provider.getNext(key as string)).rejects.toThrow(/streamKey/);
    }
  });

  it('rejects invalid reset values naming the argument', async () => {
    const provider = createProvider({ blockSize });

    await expect(provider.reset('order-1', -1)).rejects.toThrow(RangeError);
    await expect(provider.reset('order-1', 1.5)).rejects.toThrow(/newValue/);
    await expect(provider.reset('order-1', Number.MAX_SAFE_INTEGER + 1)).rejects.toThrow(/newValue/);
    await expect(provider.reset('order-1', '3' as unknown as number)).rejects.toThrow(TypeError);
  });

  it('counts exactly up to MAX_SAFE_INTEGER', async () => {
    const provider = createProvider({ blockSize });
    await provider.reset('near-limit', Number.MAX_SAFE_INTEGER - 2);

    expect(await provider.getNext('near-limit')).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(await provider.getNext('near-limit')).toBe(Number.MAX_SAFE_INTEGER);
    await expect(provider.getNext('near-limit')).rejects.toThrow(RangeError);
    await expect(provider.getNext('near-limit')).rejects.toThrow(/MAX_SAFE_INTEGER/);
    expect(await provider.getCurrent('near-limit')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects a stored counter above MAX_SAFE_INTEGER', async () => {
    const schema = uniqueSchema();
    const provider = createProvider({ blockSize, schema });
    await provider.getNext('seed');
    // Written past the provider (for example by another tool), beyond what the check constraint allows.
    await query(`ALTER TABLE ${schema}.whizbang_sequences DROP CONSTRAINT whizbang_sequences_value_check`);
    await query(`UPDATE ${schema}.whizbang_sequences SET value = 9007199254740993 WHERE stream_key = 'seed'`);

    await expect(provider.getCurrent('seed')).rejects.toThrow(RangeError);
    await expect(provider.getCurrent('seed')).rejects.toThrow(/9007199254740993/);
  });

  it('hands out distinct numbers to concurrent callers', async () => {
    const provider = createProvider({ blockSize });

    const numbers = await Promise.all(Array.from({ length: 500 }, () => provider.getNext('busy')));

    expect(new Set(numbers).size).toBe(500);
    expect(Math.min(...numbers)).toBe(1);
    expect(Math.max(...numbers)).toBe(500);
  });

  it('rejects an aborted call without taking a number', async () => {
    const provider = createProvider({ blockSize });
    await provider.getNext('abort');
    const reason = new Error('stop');

    await expect(provider.getNext('abort', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(await provider.getNext('abort')).toBe(2);
  });
});

describe('PostgresSequenceProvider blocks', () => {
  it('allocates one block per round trip', async () => {
    const schema = uniqueSchema();
    const provider = createProvider({ blockSize: 100, schema });

    for (let expected = 1; expected <= 150; expected++) expect(await provider.getNext('order-1')).toBe(expected);

    const rows = await query<{ value: string }>(`SELECT value FROM ${schema}.whizbang_sequences WHERE stream_key = 'order-1'`);
    expect(rows[0]?.value).toBe('200');
  });

  it('interleaves blocks of two instances', async () => {
    const schema = uniqueSchema();
    const first = createProvider({ blockSize: 10, schema });
    const second = createProvider({ blockSize: 10, schema });

    expect(await first.getNext('shared')).toBe(1);
    expect(await second.getNext('shared')).toBe(11);
    expect(await first.getNext('shared')).toBe(2);
    expect(await second.getCurrent('shared')).toBe(11);
  });

  it('loses the rest of an evicted block', async () => {
    const provider = createProvider({ blockSize: 10, maxCachedStreams: 1 });

    expect(await provider.getNext('a')).toBe(1);
    expect(await provider.getNext('b')).toBe(1);
    expect(await provider.getNext('a')).toBe(11);
  });
});

describe('PostgresSequenceProvider schema', () => {
  it('records its schema version', async () => {
    const schema = uniqueSchema();
    const provider = createProvider({ schema });
    await provider.ensureSchema();

    const rows = await query<{ component: string; version: number }>(
      `SELECT component, version FROM ${schema}.whizbang_schema_version`,
    );
    expect(rows).toEqual([{ component: 'sequences', version: 1 }]);
  });

  it('creates the schema once under concurrent starts', async () => {
    const schema = uniqueSchema();
    const starts = Array.from({ length: 5 }, () => createProvider({ schema }).getNext('x'));

    expect((await Promise.all(starts)).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects a newer schema version', async () => {
    const schema = uniqueSchema();
    await createProvider({ schema }).ensureSchema();
    await query(`UPDATE ${schema}.whizbang_schema_version SET version = 99 WHERE component = 'sequences'`);

    const provider = createProvider({ schema });
    await expect(provider.getNext('x')).rejects.toThrow(PostgresSchemaVersionError);
    await expect(provider.getNext('x')).rejects.toThrow(/version 99.*Upgrade @whizbang\/postgres/);
  });

  it('rejects invalid options naming them', () => {
    const connectionString = testDatabaseUrl();

    expect(() => new PostgresSequenceProvider({ connectionString, schema: 'Bad-Name' })).toThrow(/options\.schema/);
    expect(() => new PostgresSequenceProvider({ connectionString, schema: 'x"; DROP' })).toThrow(RangeError);
    expect(() => new PostgresSequenceProvider({ connectionString, blockSize: 0 })).toThrow(/options\.blockSize/);
    expect(() => new PostgresSequenceProvider({ connectionString, connectionTimeoutMillis: -1 })).toThrow(
      /options\.connectionTimeoutMillis/,
    );
    expect(() => new PostgresSequenceProvider({ connectionString, statementTimeoutMillis: 20_000, queryTimeoutMillis: 1_000 })).toThrow(
      /queryTimeoutMillis/,
    );
    expect(() => new PostgresSequenceProvider({ connectionString: '' })).toThrow(/options\.connectionString/);
    expect(() => new PostgresSequenceProvider(undefined as unknown as PostgresSequenceProviderOptions)).toThrow(TypeError);
  });
});
