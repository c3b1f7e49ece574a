import Database from 'better-sqlite3';
import { TraceStoreClosedError, type MessageTrace } from '@whizbang/observability';
import { createTraceFixtures } from '@whizbang/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  readSchemaVersion,
  SCHEMA_TABLE,
  SqliteBusyError,
  SqliteSchemaVersionError,
  SqliteTraceStore,
  TRACE_SCHEMA_VERSION,
  TraceWriteError,
  TRACES_TABLE,
  type TraceBatchCommittedEvent,
  type TraceCheckpointEvent,
  type TraceDroppedEvent,
  type TraceWriteErrorEvent,
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
  return directory.file(`traces-${fileCount}.db`);
}

/** Resolves after pending setImmediate callbacks (the writer's batches) have run once. */
function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function rootTraces(count: number): MessageTrace[] {
  const fixtures = createTraceFixtures();
  return Array.from({ length: count }, (_, index) => fixtures.root({ at: index }));
}

function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the promise to reject'),
    (error: unknown) => error,
  );
}

describe('SqliteTraceStore writes', () => {
  it('queues stores and writes them later', async () => {
    const store = new SqliteTraceStore({ path: newFile() });
    const [trace] = rootTraces(1) as [MessageTrace];

    await store.store(trace);
    expect(store.queued).toBe(1);
    expect(store.committed).toBe(0);

    await store.flush();
    expect(store.queued).toBe(0);
    expect(store.committed).toBe(1);
    expect(await store.getByMessageId(trace.messageId)).toEqual(jsonCopy(trace));
    await store.close();
  });

  it('flushes before every read', async () => {
    const store = new SqliteTraceStore({ path: newFile() });
    const fixtures = createTraceFixtures();
    const root = fixtures.root();
    const child = fixtures.child(root, { at: 1 });

    await store.store(root);
    expect(await store.getByMessageId(root.messageId)).toEqual(jsonCopy(root));
    await store.store(child);
    expect(await store.getByCorrelation(root.correlationId)).toHaveLength(2);
    await store.store(fixtures.child(child, { at: 2 }));
    expect(await store.getCausalChain(root.messageId)).toHaveLength(3);
    await store.store(fixtures.root({ at: 3 }));
    expect(await store.getByTimeRange(fixtures.baseTime, fixtures.baseTime + 3)).toHaveLength(4);
    expect(await store.getPolicyTrail(root.messageId)).toEqual(jsonCopy(root.decisions));
    await store.close();
  });

  it('commits batches of batchSize in order', async () => {
    const store = new SqliteTraceStore({ path: newFile(), batchSize: 3 });
    const batches: TraceBatchCommittedEvent[] = [];
    store.onBatchCommitted((event) => batches.push(event));
    const traces = rootTraces(10);

    await Promise.all(traces.map((trace) => store.store(trace)));
    await store.flush();

    expect(batches.map((batch) => batch.messageIds.length)).toEqual([3, 3, 3, 1]);
    expect(batches.map((batch) => batch.queued)).toEqual([7, 4, 1, 0]);
    expect(batches.flatMap((batch) => batch.messageIds)).toEqual(
      traces.map((trace) => trace.messageId),
    );
    await store.close();
  });

  it('writes one batch per macrotask', async () => {
    const store = new SqliteTraceStore({ path: newFile(), batchSize: 4 });
    const traces = rootTraces(10);
    for (const trace of traces) await store.store(trace);

    expect(store.committed).toBe(0);
    await nextMacrotask();
    expect(store.committed).toBe(4);
    await nextMacrotask();
    expect(store.committed).toBe(8);
    await store.flush();
    expect(store.committed).toBe(10);
    await store.close();
  });

  it('drops and counts traces when full in drop mode', async () => {
    const store = new SqliteTraceStore({ path: newFile(), maxQueue: 5, whenFull: 'drop' });
    const dropped: TraceDroppedEvent[] = [];
    store.onDropped((event) => dropped.push(event));
    const traces = rootTraces(8);

    await Promise.all(traces.map((trace) => store.store(trace)));
    expect(store.dropped).toBe(3);
    expect(dropped.map((event) => event.messageId)).toEqual(traces.slice(5).map((trace) => trace.messageId));
    expect(dropped.map((event) => event.dropped)).toEqual([1, 2, 3]);
    expect(dropped[0]?.maxQueue).toBe(5);

    await store.flush();
    for (const trace of traces.slice(0, 5)) expect(await store.getByMessageId(trace.messageId)).toBeDefined();
    for (const trace of traces.slice(5)) expect(await store.getByMessageId(trace.messageId)).toBeUndefined();
    await store.close();
  });

  it('waits for room when full in wait mode', async () => {
    const store = new SqliteTraceStore({ path: newFile(), maxQueue: 5, batchSize: 2 });
    const traces = rootTraces(12);
    const settled: number[] = [];

    const stores = traces.map((trace, index) => store.store(trace).then(() => settled.push(index)));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toEqual([0, 1, 2, 3, 4]);
    expect(store.queued).toBe(5);

    await Promise.all(stores);
    expect(settled).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(store.dropped).toBe(0);
    const stored = await store.getByTimeRange(0, Number.MAX_SAFE_INTEGER);
    expect(stored.map((trace) => trace.messageId)).toEqual(traces.map((trace) => trace.messageId));
    await store.close();
  });

  it('rejects an aborted wait without storing', async () => {
    const store = new SqliteTraceStore({ path: newFile(), maxQueue: 1 });
    const [first, second] = rootTraces(2) as [MessageTrace, MessageTrace];
    await store.store(first);

    const controller = new AbortController();
    const waiting = store.store(second, controller.signal);
    const reason = new Error('request cancelled');
    controller.abort(reason);

    await expect(waiting).rejects.toBe(reason);
    expect(await store.getByMessageId(first.messageId)).toBeDefined();
    expect(await store.getByMessageId(second.messageId)).toBeUndefined();
    await store.close();
  });

  it('keeps hostile strings verbatim', async () => {
    const path = newFile();
    const store = new SqliteTraceStore({ path });
    const [base] = rootTraces(1) as [MessageTrace];
    const odd = '\uD800 "quoted"; DROP TABLE x; --\n\u0000 ключ 🔑 \uDFFF';
    const trace: MessageTrace = {
      ...base,
      messageType: odd,
      topic: `${odd}topic`,
      streamKey: `${odd}key`,
      traceparent: `${odd}parent`,
      outcome: { status: 'failed', errorName: `${odd}name`, errorMessage: `${odd}message` },
      payload: { text: odd },
    };

    await store.store(trace);
    expect(await store.getByMessageId(trace.messageId)).toEqual(jsonCopy(trace));
    await store.close();

    const reopened = new SqliteTraceStore({ path });
    expect(await reopened.getByMessageId(trace.messageId)).toEqual(jsonCopy(trace));
    await reopened.close();
  });

  it('distinguishes a null payload from none', async () => {
    const store = new SqliteTraceStore();
    const [withNull, without] = rootTraces(2) as [MessageTrace, MessageTrace];
    const nullPayload: MessageTrace = { ...withNull, payload: null };
    const { payload: _removed, ...noPayload } = without;

    await store.store(nullPayload);
    await store.store(noPayload);
    const readNull = await store.getByMessageId(nullPayload.messageId);
    const readNone = await store.getByMessageId(noPayload.messageId);
    expect(readNull).toHaveProperty('payload', null);
    expect(readNone).not.toHaveProperty('payload');
    await store.close();
  });
});

describe('SqliteTraceStore file format', () => {
  it('uses WAL and indexed real columns', async () => {
    const path = newFile();
    const store = new SqliteTraceStore({ path });
    const fixtures = createTraceFixtures();
    const root = fixtures.root();
    const child = fixtures.child(root, { at: 5 });
    await store.store(root);
    await store.store(child);
    await store.flush();

    const database = new Database(path, { readonly: true });
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(readSchemaVersion(database, 'traces')).toBe(TRACE_SCHEMA_VERSION);

    const row = database
      .prepare(`SELECT message_id, correlation_id, causation_id, timestamp, topic, stream_key, outcome_status FROM ${TRACES_TABLE} WHERE message_id = ?`)
      .get(child.messageId);
    expect(row).toEqual({
      message_id: child.messageId,
      correlation_id: root.correlationId,
      causation_id: root.messageId,
      timestamp: fixtures.baseTime + 5,
      topic: 'orders',
      stream_key: child.streamKey,
      outcome_status: 'succeeded',
    });

    const plans: [string, unknown[], string][] = [
      [`SELECT * FROM ${TRACES_TABLE} WHERE message_id = ?`, ['x'], 'sqlite_autoindex_whizbang_traces_1'],
      [`SELECT * FROM ${TRACES_TABLE} WHERE correlation_id = ? ORDER BY timestamp, message_id`, ['x'], `${TRACES_TABLE}_correlation`],
      [`SELECT * FROM ${TRACES_TABLE} WHERE causation_id = ?`, ['x'], `${TRACES_TABLE}_causation`],
      [`SELECT * FROM ${TRACES_TABLE} WHERE timestamp >= ? AND timestamp <= ? ORDER BY timestamp, message_id`, [1, 2], `${TRACES_TABLE}_timestamp`],
    ];
    for (const [sql, parameters, index] of plans) {
      const plan = database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters).map((step) => (step as { detail: string }).detail);
      expect(plan.join('; '), sql).toContain(index);
      expect(plan.join('; '), sql).not.toContain('TEMP B-TREE');
    }
    database.close();
    await store.close();
  });

  it('rejects a file with a newer schema', async () => {
    const path = newFile();
    await new SqliteTraceStore({ path }).close();

    const database = new Database(path);
    database.prepare(`UPDATE ${SCHEMA_TABLE} SET version = ? WHERE component = 'traces'`).run(TRACE_SCHEMA_VERSION + 1);
    database.close();

    let error: unknown;
    try {
      new SqliteTraceStore({ path });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SqliteSchemaVersionError);
    expect((error as SqliteSchemaVersionError).component).toBe('traces');
    expect((error as SqliteSchemaVersionError).foundVersion).toBe(TRACE_SCHEMA_VERSION + 1);
    expect((error as SqliteSchemaVersionError).supportedVersion).toBe(TRACE_SCHEMA_VERSION);
    expect((error as Error).message).toContain(`traces schema version ${TRACE_SCHEMA_VERSION + 1}`);
    expect((error as Error).message).toContain(`versions up to ${TRACE_SCHEMA_VERSION}`);
  });

  it('shares one file with the sequence provider', async () => {
    const { SqliteSequenceProvider } = await import('../src/index.js');
    const path = newFile();
    const store = new SqliteTraceStore({ path });
    const sequences = new SqliteSequenceProvider({ path });
    const [trace] = rootTraces(1) as [MessageTrace];

    await store.store(trace);
    expect(await sequences.getNext('orders')).toBe(1);
    expect(await store.getByMessageId(trace.messageId)).toBeDefined();
    sequences.close();
    await store.close();

    const database = new Database(path, { readonly: true });
    expect(readSchemaVersion(database, 'traces')).toBe(1);
    expect(readSchemaVersion(database, 'sequences')).toBe(1);
    database.close();
  });

  it('rejects invalid options', () => {
    expect(() => new SqliteTraceStore({ maxQueue: 0 })).toThrow(/maxQueue.*received 0/);
    expect(() => new SqliteTraceStore({ batchSize: 2.5 })).toThrow(RangeError);
    expect(() => new SqliteTraceStore({ whenFull: 'block' as 'wait' })).toThrow(/whenFull.*"block"/);
    expect(() => new SqliteTraceStore({ checkpointEveryBatches: -1 })).toThrow(RangeError);
    expect(() => new SqliteTraceStore({ journalSizeLimitBytes: Number.NaN })).toThrow(/journalSizeLimitBytes/);
    expect(() => new SqliteTraceStore({ walAutoCheckpointPages: 2_000_000 })).toThrow(RangeError);
    expect(() => new SqliteTraceStore(null as unknown as object)).toThrow(/options must be an object/);
  });
});

describe('SqliteTraceStore checkpoints', () => {
  it('checkpoints every few batches', async () => {
    const store = new SqliteTraceStore({ path: newFile(), batchSize: 2, checkpointEveryBatches: 3 });
    const checkpoints: TraceCheckpointEvent[] = [];
    store.onCheckpoint((event) => checkpoints.push(event));

    for (const trace of rootTraces(14)) await store.store(trace);
    await store.flush();

    // 14 traces in batches of 2 are 7 batches: checkpoints after the 3rd and the 6th.
    expect(checkpoints).toHaveLength(2);
    for (const event of checkpoints) {
      expect(event.ok).toBe(true);
      if (event.ok) expect(event.result.busy).toBe(false);
    }
    expect(await store.checkpoint('PASSIVE')).toMatchObject({ busy: false });
    await store.close();
  });

  it('skips checkpoints when set to zero', async () => {
    const store = new SqliteTraceStore({ path: newFile(), batchSize: 1, checkpointEveryBatches: 0 });
    const checkpoints: TraceCheckpointEvent[] = [];
    store.onCheckpoint((event) => checkpoints.push(event));
    for (const trace of rootTraces(5)) await store.store(trace);
    await store.flush();
    expect(checkpoints).toHaveLength(0);
    await store.close();
  });
});

describe('SqliteTraceStore errors', () => {
  it('retries a locked file then reports', async () => {
    const path = newFile();
    const store = new SqliteTraceStore({ path, busyTimeoutMs: 0, maxBusyRetries: 2, busyRetryDelayMs: 0 });
    const errors: TraceWriteErrorEvent[] = [];
    store.onWriteError((event) => errors.push(event));
    const [first, second] = rootTraces(2) as [MessageTrace, MessageTrace];

    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');
    await store.store(first);

    const error = await rejectionOf(store.flush());
    expect(error).toBeInstanceOf(TraceWriteError);
    expect((error as TraceWriteError).queued).toBe(1);
    expect((error as Error).message).toMatch(/could not write a batch of 1 traces.*3 attempts/);
    expect((error as Error).cause).toBeInstanceOf(SqliteBusyError);
    expect(errors.map((event) => event.error)).toEqual([error]);
    expect(store.writeError).toBe(error);

    // The trace stays queued and the store keeps accepting traces while the writer is stopped.
    await store.store(second);
    expect(store.queued).toBe(2);

    locker.exec('ROLLBACK');
    locker.close();
    await store.flush();
    expect(store.writeError).toBeUndefined();
    expect(await store.getByMessageId(first.messageId)).toBeDefined();
    expect(await store.getByMessageId(second.messageId)).toBeDefined();
    await store.close();
  });

  it('writes once a lock is released', async () => {
    const path = newFile();
    const store = new SqliteTraceStore({ path, busyTimeoutMs: 0, maxBusyRetries: 50, busyRetryDelayMs: 20 });
    const errors: TraceWriteErrorEvent[] = [];
    store.onWriteError((event) => errors.push(event));
    const [trace] = rootTraces(1) as [MessageTrace];
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');

    await store.store(trace);
    await nextMacrotask();
    // The first attempt failed; the lock is gone before the 20 ms retry pause ends.
    expect(store.committed).toBe(0);
    locker.exec('ROLLBACK');
    await store.flush();

    expect(store.committed).toBe(1);
    expect(errors).toHaveLength(0);
    locker.close();
    await store.close();
  });

  it('fails to open a locked file after its retries', async () => {
    const path = newFile();
    await new SqliteTraceStore({ path }).close();
    const locker = new Database(path);
    locker.exec(`DROP TABLE ${TRACES_TABLE}; DELETE FROM ${SCHEMA_TABLE}`);
    locker.exec('BEGIN IMMEDIATE');

    expect(() => new SqliteTraceStore({ path, busyTimeoutMs: 0, maxBusyRetries: 1 })).toThrow(
      /Creating the trace tables in .* failed: the database stayed locked by another connection through 2 attempts/,
    );

    locker.exec('ROLLBACK');
    locker.close();
  });

  it('rejects waiting stores when the writer stops', async () => {
    const path = newFile();
    const store = new SqliteTraceStore({ path, maxQueue: 1, busyTimeoutMs: 0, maxBusyRetries: 0 });
    const [first, second, third] = rootTraces(3) as [MessageTrace, MessageTrace, MessageTrace];
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');

    await store.store(first);
    const waiting = store.store(second);
    const error = await rejectionOf(waiting);
    expect(error).toBeInstanceOf(TraceWriteError);

    // With the writer stopped no room comes, so a full queue rejects at once.
    await expect(store.store(third)).rejects.toBe(error);

    locker.exec('ROLLBACK');
    locker.close();
    await store.close();

    const reopened = new SqliteTraceStore({ path });
    expect(await reopened.getByMessageId(first.messageId)).toBeDefined();
    expect(await reopened.getByMessageId(second.messageId)).toBeUndefined();
    await reopened.close();
  });

  it('reports traces lost by close', async () => {
    const path = newFile();
    const store = new SqliteTraceStore({ path });
    const [trace] = rootTraces(1) as [MessageTrace];

    // Dropping the table from another connection makes every insert fail with a non-busy error.
    const other = new Database(path);
    other.exec(`DROP TABLE ${TRACES_TABLE}`);
    other.close();

    await store.store(trace);
    const error = await rejectionOf(store.close());
    expect(error).toBeInstanceOf(TraceWriteError);
    expect((error as TraceWriteError).queued).toBe(1);
    expect((error as Error).message).toMatch(/close\(\) closed the database with 1 traces unwritten, which are lost/);
    expect(((error as Error).cause as Error).message).toMatch(/no such table/);
    await expect(store.getByMessageId(trace.messageId)).rejects.toThrow(TraceStoreClosedError);
  });
});

describe('SqliteTraceStore close', () => {
  it('writes queued traces on close', async () => {
    const path = newFile();
    const store = new SqliteTraceStore({ path, batchSize: 10 });
    const traces = rootTraces(95);
    for (const trace of traces) await store.store(trace);
    expect(store.queued).toBe(95);
    await store.close();

    const reopened = new SqliteTraceStore({ path });
    expect(await reopened.getByTimeRange(0, Number.MAX_SAFE_INTEGER)).toHaveLength(95);
    await reopened.close();
  });

  it('writes waiting stores on close', async () => {
    const path = newFile();
    const store = new SqliteTraceStore({ path, maxQueue: 2, batchSize: 1 });
    const traces = rootTraces(7);
    const stores = traces.map((trace) => store.store(trace));

    await store.close();
    await Promise.all(stores);
    const reopened = new SqliteTraceStore({ path });
    expect(await reopened.getByTimeRange(0, Number.MAX_SAFE_INTEGER)).toHaveLength(7);
    await reopened.close();
  });

  it('rejects calls after close', async () => {
    const store = new SqliteTraceStore();
    const [trace] = rootTraces(1) as [MessageTrace];
    const closing = store.close();
    expect(store.close()).toBe(closing);
    await closing;

    await expect(store.store(trace)).rejects.toThrow(TraceStoreClosedError);
    await expect(store.flush()).rejects.toThrow(TraceStoreClosedError);
    await expect(store.getByMessageId(trace.messageId)).rejects.toThrow(/getByMessageId failed: the trace store is closed/);
    await expect(store.checkpoint()).rejects.toThrow(TraceStoreClosedError);
  });

  it('rejects a read that waited across close', async () => {
    const store = new SqliteTraceStore();
    const [trace] = rootTraces(1) as [MessageTrace];
    await store.store(trace);

    const reading = store.getByMessageId(trace.messageId);
    const closing = store.close();
    await expect(reading).rejects.toThrow(TraceStoreClosedError);
    await closing;
  });

  it('rejects an aborted flush', async () => {
    const store = new SqliteTraceStore();
    const [trace] = rootTraces(1) as [MessageTrace];
    await store.store(trace);

    const controller = new AbortController();
    const flushing = store.flush(controller.signal);
    const reason = new Error('stop waiting');
    controller.abort(reason);
    await expect(flushing).rejects.toBe(reason);

    await store.flush();
    expect(await store.getByMessageId(trace.messageId)).toBeDefined();
    await store.close();
  });
});

describe('SqliteTraceStore events', () => {
  it('stops calling disposed listeners', async () => {
    const store = new SqliteTraceStore({ maxQueue: 1, whenFull: 'drop' });
    const first: string[] = [];
    const second: string[] = [];
    const firstSubscription = store.onDropped((event) => first.push(event.messageId));
    store.onDropped((event) => second.push(event.messageId));
    const [kept, droppedEarly, droppedLate] = rootTraces(3) as [MessageTrace, MessageTrace, MessageTrace];

    await store.store(kept);
    await store.store(droppedEarly);
    firstSubscription.dispose();
    await store.store(droppedLate);

    expect(first).toEqual([droppedEarly.messageId]);
    expect(second).toEqual([droppedEarly.messageId, droppedLate.messageId]);
    await store.close();
  });
});
