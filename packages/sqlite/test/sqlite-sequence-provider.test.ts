import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  SCHEMA_TABLE,
  SEQUENCES_TABLE,
  SqliteBusyError,
  SqliteClosedError,
  SqliteSchemaVersionError,
  SqliteSequenceProvider,
  readSchemaVersion,
} from '../src/index.js';
import { createTemporaryDirectory, type TemporaryDirectory } from './temp-directory.js';

let directory: TemporaryDirectory;
let fileCount = 0;

beforeAll(async () => {
  directory = await createTemporaryDirectory();
});

afterAll(async () => {
  await directory.remove();
});

function newFile(): string {
  fileCount += 1;
  return directory.file(`sequences-${fileCount}.db`);
}

/** Reads every stored key with a second connection, decoding BLOB keys from UTF-16LE. */
function storedKeys(path: string): string[] {
  const database = new Database(path, { readonly: true });
  try {
    const rows = database.prepare(`SELECT stream_key FROM ${SEQUENCES_TABLE}`).all() as { stream_key: string | Buffer }[];
    return rows.map((row) => (typeof row.stream_key === 'string' ? row.stream_key : row.stream_key.toString('utf16le')));
  } finally {
    database.close();
  }
}

describe('SqliteSequenceProvider', () => {
  it('counts from one per stream', async () => {
    const provider = new SqliteSequenceProvider({ path: newFile() });

    expect(await provider.getCurrent('a')).toBe(0);
    expect(await provider.getNext('a')).toBe(1);
    expect(await provider.getNext('a')).toBe(2);
    expect(await provider.getNext('b')).toBe(1);
    expect(await provider.getCurrent('a')).toBe(2);
    expect(provider.name).toBe('sqlite');

    provider.close();
  });

  it('keeps counters across reopen', async () => {
    const path = newFile();
    const first = new SqliteSequenceProvider({ path });
    await first.getNext('orders');
    await first.getNext('orders');
    first.close();

    const second = new SqliteSequenceProvider({ path });
    expect(await second.getCurrent('orders')).toBe(2);
    expect(await second.getNext('orders')).toBe(3);
    second.close();
  });

  it('works in memory by default', async () => {
    const provider = new SqliteSequenceProvider();
    expect(await provider.getNext('a')).toBe(1);
    provider.close();
  });

  it('stores hostile keys verbatim', async () => {
    const path = newFile();
    const provider = new SqliteSequenceProvider({ path });
    const keys = [
      "it's",
      '"quoted"',
      'a; DROP TABLE whizbang_sequences; --',
      'line\nbreak\r\n',
      'tab\there',
      '\u0000nul\u0000',
      'ключ',
      '注文',
      '🔑👩‍👩‍👧',
      'e\u0301',
      '\uD800',
      '\uDFFF',
      '\uFFFD',
      'a\uD800b',
      '\uDC00\uD800',
      '\uFEFFbom',
      ' ',
    ];

    for (const key of keys) {
      expect(await provider.getNext(key), `first number of ${JSON.stringify(key)}`).toBe(1);
    }
    for (const key of keys) {
      expect(await provider.getCurrent(key), `current of ${JSON.stringify(key)}`).toBe(1);
    }
    provider.close();

    expect(storedKeys(path).sort()).toEqual([...keys].sort());
  });

  it('keeps arbitrary keys distinct and verbatim', async () => {
    const path = newFile();
    const provider = new SqliteSequenceProvider({ path });

    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.oneof(
            fc.string({ minLength: 1, unit: 'binary' }),
            fc.string({ minLength: 1, unit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) }),
            // Short keys of lone surrogates and U+FFFD: a lossy encoding makes them collide.
            fc.string({
              minLength: 1,
              maxLength: 3,
              unit: fc.oneof(
                fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
                fc.constant('\uFFFD'),
              ),
            }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        async (keys) => {
          await Promise.all(keys.map((key) => provider.reset(key)));
          for (const [index, key] of keys.entries()) {
            for (let call = 0; call <= index; call++) await provider.getNext(key);
          }
          for (const [index, key] of keys.entries()) {
            expect(await provider.getCurrent(key)).toBe(index + 1);
          }

          const stored = new Set(storedKeys(path));
          for (const key of keys) expect(stored.has(key), `stored ${JSON.stringify(key)}`).toBe(true);
        },
      ),
      { numRuns: 50 },
    );

    provider.close();
  });

  it('hands out distinct increasing numbers to concurrent callers', async () => {
    const provider = new SqliteSequenceProvider({ path: newFile() });
    const callers = 100;
    const calls = 100;

    const results = await Promise.all(
      Array.from({ length: callers }, async () => {
        const numbers: number[] = [];
        for (let call = 0; call < calls; call++) numbers.push(await provider.getNext('shared'));
        return numbers;
      }),
    );

    for (const numbers of results) {
      for (let index = 1; index < numbers.length; index++) {
        expect(numbers[index]).toBeGreaterThan(numbers[index - 1] as number);
      }
    }
    const all = results.flat();
    expect(new Set(all).size).toBe(callers * calls);
    expect(Math.max(...all)).toBe(callers * calls);
    provider.close();
  });

  it('returns exact values up to MAX_SAFE_INTEGER', async () => {
    const provider = new SqliteSequenceProvider({ path: newFile() });
    await provider.reset('edge', Number.MAX_SAFE_INTEGER - 2);

    expect(await provider.getNext('edge')).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(await provider.getNext('edge')).toBe(Number.MAX_SAFE_INTEGER);
    await expect(provider.getNext('edge')).rejects.toThrow(RangeError);
    await expect(provider.getNext('edge')).rejects.toThrow(/MAX_SAFE_INTEGER/);
    expect(await provider.getCurrent('edge')).toBe(Number.MAX_SAFE_INTEGER);

    provider.close();
  });

  it('rejects stored counters above MAX_SAFE_INTEGER', async () => {
    const path = newFile();
    const provider = new SqliteSequenceProvider({ path });
    await provider.getNext('big');

    const writer = new Database(path);
    writer.prepare(`UPDATE ${SEQUENCES_TABLE} SET last_value = ? WHERE stream_key = 'big'`).run(2n ** 53n + 5n);
    writer.close();

    await expect(provider.getCurrent('big')).rejects.toThrow(RangeError);
    await expect(provider.getNext('big')).rejects.toThrow(RangeError);
    provider.close();
  });

  it('makes reset set the next number', async () => {
    const provider = new SqliteSequenceProvider();
    await provider.getNext('a');
    await provider.reset('a', 41);
    expect(await provider.getNext('a')).toBe(42);
    await provider.reset('a');
    expect(await provider.getCurrent('a')).toBe(0);
    expect(await provider.getNext('a')).toBe(1);
    provider.close();
  });

  it('rejects invalid arguments', async () => {
    const provider = new SqliteSequenceProvider();

    await expect(provider.getNext('')).rejects.toThrow(TypeError);
    await expect(provider.getNext('')).rejects.toThrow(/streamKey/);
    await expect(provider.getNext(42 as unknown as string)).rejects.toThrow(/streamKey.*42/);
    await expect(provider.getCurrent(undefined as unknown as string)).rejects.toThrow(TypeError);
    await expect(provider.reset('a', -1)).rejects.toThrow(RangeError);
    await expect(provider.reset('a', 1.5)).rejects.toThrow(/newValue/);
    await expect(provider.reset('a', Number.MAX_SAFE_INTEGER + 1)).rejects.toThrow(RangeError);
    await expect(provider.reset('a', '3' as unknown as number)).rejects.toThrow(TypeError);
    expect(await provider.getCurrent('a')).toBe(0);

    provider.close();
  });

  it('rejects invalid options', () => {
    expect(() => new SqliteSequenceProvider({ path: '' })).toThrow(TypeError);
    expect(() => new SqliteSequenceProvider({ busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => new SqliteSequenceProvider({ maxBusyRetries: 1.5 })).toThrow(RangeError);
    expect(() => new SqliteSequenceProvider({ busyRetryDelayMs: 5_000 })).toThrow(/busyRetryDelayMs.*5000/);
    expect(() => new SqliteSequenceProvider({ synchronous: 'off' as 'full' })).toThrow(/synchronous/);
  });

  it('rejects with the reason of an aborted signal', async () => {
    const provider = new SqliteSequenceProvider();
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    controller.abort(reason);

    await expect(provider.getNext('a', controller.signal)).rejects.toBe(reason);
    await expect(provider.getCurrent('a', controller.signal)).rejects.toBe(reason);
    await expect(provider.reset('a', 5, controller.signal)).rejects.toBe(reason);
    expect(await provider.getCurrent('a')).toBe(0);
    provider.close();
  });

  it('stops retrying when aborted while locked', async () => {
    const path = newFile();
    const provider = new SqliteSequenceProvider({ path, busyTimeoutMs: 0, maxBusyRetries: 100, busyRetryDelayMs: 1_000 });
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');

    const controller = new AbortController();
    const pending = provider.getNext('a', controller.signal);
    const reason = new Error('shutting down');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);

    locker.exec('ROLLBACK');
    locker.close();
    expect(await provider.getCurrent('a')).toBe(0);
    expect(await provider.getNext('a')).toBe(1);
    provider.close();
  });

  it('fails with SqliteBusyError after its retries', async () => {
    const path = newFile();
    const provider = new SqliteSequenceProvider({ path, busyTimeoutMs: 0, maxBusyRetries: 2, busyRetryDelayMs: 0 });
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');

    const error: unknown = await provider.getNext('a').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SqliteBusyError);
    expect((error as SqliteBusyError).attempts).toBe(3);
    expect((error as SqliteBusyError).message).toMatch(/locked by another connection through 3 attempts/);
    expect(((error as SqliteBusyError).cause as { code: string }).code).toMatch(/^SQLITE_BUSY/);

    locker.exec('ROLLBACK');
    locker.close();
    expect(await provider.getNext('a')).toBe(1);
    provider.close();
  });

  it('succeeds once a lock is released', async () => {
    const path = newFile();
    const provider = new SqliteSequenceProvider({ path, busyTimeoutMs: 0, maxBusyRetries: 50, busyRetryDelayMs: 20 });
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');

    // The first attempt fails at once; the lock is gone before the 20 ms retry pause ends.
    const pending = provider.getNext('a');
    setImmediate(() => locker.exec('ROLLBACK'));
    expect(await pending).toBe(1);

    locker.close();
    provider.close();
  });

  it('fails to open a locked file after its retries', () => {
    const path = newFile();
    new SqliteSequenceProvider({ path }).close();
    const locker = new Database(path);
    locker.exec(`DROP TABLE ${SEQUENCES_TABLE}; DELETE FROM ${SCHEMA_TABLE}`);
    locker.exec('BEGIN IMMEDIATE');

    expect(() => new SqliteSequenceProvider({ path, busyTimeoutMs: 0, maxBusyRetries: 1 })).toThrow(SqliteBusyError);
    expect(() => new SqliteSequenceProvider({ path, busyTimeoutMs: 0, maxBusyRetries: 1 })).toThrow(
      /Creating the sequence table in .* failed: the database stayed locked by another connection through 2 attempts/,
    );

    locker.exec('ROLLBACK');
    locker.close();
  });

  it('rejects calls after close', async () => {
    const provider = new SqliteSequenceProvider();
    provider.close();
    provider.close();

    await expect(provider.getNext('a')).rejects.toThrow(SqliteClosedError);
    await expect(provider.getCurrent('a')).rejects.toThrow(/getCurrent\(\) was called after close/);
    await expect(provider.reset('a')).rejects.toThrow(SqliteClosedError);
  });

  it('rejects a file with a newer schema', async () => {
    const path = newFile();
    new SqliteSequenceProvider({ path }).close();

    const database = new Database(path);
    expect(readSchemaVersion(database, 'sequences')).toBe(1);
    database.prepare(`UPDATE ${SCHEMA_TABLE} SET version = 7 WHERE component = 'sequences'`).run();
    database.close();

    const error: unknown = (() => {
      try {
        new SqliteSequenceProvider({ path });
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(SqliteSchemaVersionError);
    expect((error as SqliteSchemaVersionError).foundVersion).toBe(7);
    expect((error as SqliteSchemaVersionError).supportedVersion).toBe(1);
    expect((error as Error).message).toMatch(/sequences schema version 7.*versions up to 1/);
  });

  it('reports version zero for a new file', () => {
    const database = new Database(':memory:');
    expect(readSchemaVersion(database, 'sequences')).toBe(0);
    database.close();
  });
});
