import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

import { createMessageId, InvalidIdError, type MessageTrace } from '@whizbang/observability';
import { createTraceFixtures } from '@whizbang/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  SCHEMA_TABLE,
  SqliteSchemaVersionError,
  SqliteTraceReader,
  SqliteTraceStore,
  SqliteTraceTablesMissingError,
  TRACES_COMPONENT,
} from '../src/index.js';
import { createTemporaryDirectory, type TemporaryDirectory } from './temp-directory.js';

let directory: TemporaryDirectory;
let path: string;
let store: SqliteTraceStore;
let reader: SqliteTraceReader;
let traces: MessageTrace[];

// Two workflows: a root with two children and a grandchild, and a failed root of its own.
beforeAll(async () => {
  directory = await createTemporaryDirectory();
  path = directory.file('traces.db');

  const fixtures = createTraceFixtures();
  const root = fixtures.root({ at: 0, hopsAt: [0, 1] });
  const first = fixtures.child(root, { at: 10 });
  const second = fixtures.child(root, { at: 5 });
  const grandchild = fixtures.child(first, { at: 20 });
  const other = fixtures.root({ at: 30, withPayload: false, outcome: { status: 'failed', errorName: 'Error', errorMessage: 'x' } });
  traces = [root, first, second, grandchild, other];

  store = new SqliteTraceStore({ path });
  for (const trace of traces) await store.store(trace);
  await store.flush();
  reader = SqliteTraceReader.open(path);
});

afterAll(async () => {
  reader.close();
  await store.close();
  await directory.remove();
});

const timeOf = (trace: MessageTrace): number => trace.timestamp;

describe('SqliteTraceReader queries', () => {
  it('returns what the store returns', async () => {
    for (const trace of traces) {
      expect(reader.getByMessageId(trace.messageId)).toEqual(await store.getByMessageId(trace.messageId));
      expect(reader.getByCorrelation(trace.correlationId)).toEqual(await store.getByCorrelation(trace.correlationId));
      expect(reader.getCausalChain(trace.messageId)).toEqual(await store.getCausalChain(trace.messageId));
      expect(reader.getPolicyTrail(trace.messageId)).toEqual(await store.getPolicyTrail(trace.messageId));
    }

    const [from, to] = [Math.min(...traces.map(timeOf)), Math.max(...traces.map(timeOf))];
    expect(reader.getByTimeRange(from, to)).toEqual(await store.getByTimeRange(from, to));
  });

  it('returns stored traces unchanged', () => {
    for (const trace of traces) expect(reader.getByMessageId(trace.messageId)).toEqual(JSON.parse(JSON.stringify(trace)));
  });

  it('orders fields as the documented shape', () => {
    const root = traces[0]!;
    const keys = Object.keys(reader.getByMessageId(root.messageId)!);

    expect(keys.indexOf('payload')).toBeGreaterThan(keys.indexOf('sequenceNumber'));
    expect(keys.indexOf('payload')).toBeLessThan(keys.indexOf('hops'));
  });

  it('cuts a time range to the limit', () => {
    const sorted = [...traces].sort((a, b) => a.timestamp - b.timestamp);
    const [from, to] = [sorted[0]!.timestamp, sorted[sorted.length - 1]!.timestamp];

    expect(reader.getByTimeRange(from, to, 2).map((trace) => trace.messageId)).toEqual(sorted.slice(0, 2).map((trace) => trace.messageId));
    expect(reader.getByTimeRange(from, to, 0)).toEqual([]);
    expect(reader.countByTimeRange(from, to)).toBe(traces.length);
    expect(reader.countByTimeRange(from, from)).toBe(1);
  });

  it('returns nothing for an unknown id', () => {
    const unknown = createMessageId();

    expect(reader.getByMessageId(unknown)).toBeUndefined();
    expect(reader.getCausalChain(unknown)).toEqual([]);
    expect(reader.getPolicyTrail(unknown)).toBeUndefined();
    expect(reader.getByCorrelation(unknown as string as MessageTrace['correlationId'])).toEqual([]);
  });

  it('reads traces committed after it opened', async () => {
    const later = createTraceFixtures().root();
    await store.store(later);
    await store.flush();

    expect(reader.getByMessageId(later.messageId)).toEqual(JSON.parse(JSON.stringify(later)));
  });

  it('rejects invalid arguments', () => {
    expect(() => reader.getByMessageId('order-42' as MessageTrace['messageId'])).toThrow(InvalidIdError);
    expect(() => reader.getByCorrelation('x' as MessageTrace['correlationId'])).toThrow(/correlationId/);
    expect(() => reader.getByTimeRange(2, 1)).toThrow(RangeError);
    expect(() => reader.getByTimeRange(1, 2, -1)).toThrow(/limit must be an integer/);
    expect(() => reader.getByTimeRange(1, 2, 1.5)).toThrow(RangeError);
    expect(() => reader.countByTimeRange(Number.NaN, 2)).toThrow(RangeError);
  });
});

describe('SqliteTraceReader.open', () => {
  it('never writes the file', async () => {
    const copy = directory.file('unchanged.db');
    const copyStore = new SqliteTraceStore({ path: copy });
    for (const trace of traces) await copyStore.store(trace);
    await copyStore.close();
    const hash = (): string => createHash('sha256').update(readFileSync(copy)).digest('hex');
    const before = hash();

    const copyReader = SqliteTraceReader.open(copy);
    copyReader.getCausalChain(traces[0]!.messageId);
    copyReader.close();
    copyReader.close();

    expect(hash()).toBe(before);
  });

  it('rejects a missing file', () => {
    expect(() => SqliteTraceReader.open(directory.file('missing.db'))).toThrow(expect.objectContaining({ code: 'SQLITE_CANTOPEN' }));
  });

  it('rejects a file that is not a database', () => {
    const text = directory.file('notes.txt');
    writeFileSync(text, 'not a database, but long enough to have a header of its own\n'.repeat(20));

    expect(() => SqliteTraceReader.open(text)).toThrow(expect.objectContaining({ code: 'SQLITE_NOTADB' }));
  });

  it('rejects a database without trace tables', () => {
    const foreign = directory.file('foreign.db');
    const database = new Database(foreign);
    database.exec('CREATE TABLE notes (body TEXT)');
    database.close();

    const error = (() => {
      try {
        SqliteTraceReader.open(foreign);
      } catch (caught) {
        return caught;
      }
      return expect.fail('expected open() to throw');
    })();

    expect(error).toBeInstanceOf(SqliteTraceTablesMissingError);
    expect((error as SqliteTraceTablesMissingError).path).toBe(foreign);
    expect((error as Error).message).toContain('has no Whizbang trace tables');
  });

  it('rejects a newer trace schema', async () => {
    const newer = directory.file('newer.db');
    await new SqliteTraceStore({ path: newer }).close();
    const database = new Database(newer);
    database.prepare(`UPDATE ${SCHEMA_TABLE} SET version = 999 WHERE component = ?`).run(TRACES_COMPONENT);
    database.close();

    expect(() => SqliteTraceReader.open(newer)).toThrow(SqliteSchemaVersionError);
    expect(() => SqliteTraceReader.open(newer)).toThrow('has traces schema version 999, but this @whizbang/sqlite supports traces schema versions up to 1');
  });

  it.each([
    ['an empty path', '', TypeError],
    ['a number', 42, TypeError],
    ['an in-memory database', ':memory:', RangeError],
  ])('rejects %s', (_case, value, errorClass) => {
    expect(() => SqliteTraceReader.open(value as string)).toThrow(errorClass);
  });
});
