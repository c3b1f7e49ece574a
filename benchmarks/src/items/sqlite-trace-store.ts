import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  captureCallSite,
  createCorrelationId,
  createEnvelope,
  createMessageId,
  createMessageTrace,
  recordHop,
  type CorrelationId,
  type MessageTrace,
} from '@whizbang/observability';
import { SqliteTraceStore, TRACE_SCHEMA_VERSION, TRACES_TABLE } from '@whizbang/sqlite';
import Database from 'better-sqlite3';

import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import type { BenchItem, Candidate } from '../harness/types.js';

/** Traces written by one call. */
const WRITES = 20_000;

/** Rows of the database the correlation query runs on. */
const QUERY_ROWS = 1_000_000;

/** Traces per correlation id, in the written traces and in the query database. */
const PER_CORRELATION = 10;

const COLUMNS = [
  'message_id', 'correlation_id', 'causation_id', 'message_type', 'timestamp', 'topic', 'stream_key', 'partition_index',
  'sequence_number', 'outcome_status', 'error_name', 'error_message', 'traceparent', 'trace_schema_version', 'payload',
  'hops', 'decisions',
] as const;
const INSERT = `INSERT INTO ${TRACES_TABLE} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;

const directory = join(tmpdir(), 'whizbang-benchmarks');

/** Creates a trace as the dispatcher stores it: one policy decision and one hop with a resolved caller. */
function createTemplateTrace(): MessageTrace {
  const envelope = createEnvelope({ type: 'OrderPlaced', orderId: 'order-42' });
  envelope.setRouting({ topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17 });
  envelope.policyTrail.recordDecision('orders', 'isOrder', true, { topic: 'orders', partitions: 4 }, 'predicate returned true');
  envelope.addHop(recordHop({ topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17, executionStrategy: 'serial', durationMs: 0.4 }, captureCallSite()));
  return createMessageTrace(envelope, { status: 'succeeded' });
}

function createTraces(template: MessageTrace, count: number): MessageTrace[] {
  let correlationId: CorrelationId = createCorrelationId();
  return Array.from({ length: count }, (_, index) => {
    if (index % PER_CORRELATION === 0) correlationId = createCorrelationId();
    return { ...template, messageId: createMessageId(), correlationId, timestamp: template.timestamp + index };
  });
}

function rowOf(trace: MessageTrace): unknown[] {
  return [
    trace.messageId, trace.correlationId, trace.causationId, trace.messageType, trace.timestamp, trace.topic, trace.streamKey,
    trace.partitionIndex, trace.sequenceNumber, trace.outcome.status, null, null, trace.traceparent, trace.schemaVersion,
    trace.payload === undefined ? null : JSON.stringify(trace.payload), JSON.stringify(trace.hops), JSON.stringify(trace.decisions),
  ];
}

/** Creates an empty database file with the store's schema, made by the store itself. */
async function createEmptyDatabase(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  await new SqliteTraceStore({ path }).close();
}

/**
 * Builds (once, then reuses from the temp directory) a database of `QUERY_ROWS` traces, 10 per
 * correlation id, inserted with raw better-sqlite3 into the store's schema. Returns its path and
 * some correlation ids to query.
 */
async function prepareQueryDatabase(template: MessageTrace): Promise<{ path: string; correlationIds: string[] }> {
  const path = join(directory, `traces-${QUERY_ROWS}-schema-v${TRACE_SCHEMA_VERSION}.db`);

  if (existsSync(path)) {
    const database = new Database(path, { readonly: true });
    const { rows } = database.prepare(`SELECT count(*) AS rows FROM ${TRACES_TABLE}`).get() as { rows: number };
    const correlationIds = sampleCorrelationIds(database);
    database.close();
    if (rows === QUERY_ROWS) return { path, correlationIds };
  }

  await createEmptyDatabase(path);
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  const insert = database.prepare(INSERT);
  const insertBatch = database.transaction((traces: MessageTrace[]) => {
    for (const trace of traces) insert.run(...rowOf(trace));
  });
  for (let written = 0; written < QUERY_ROWS; written += 100_000) insertBatch(createTraces(template, 100_000));
  database.pragma('wal_checkpoint(TRUNCATE)');
  const correlationIds = sampleCorrelationIds(database);
  database.close();
  return { path, correlationIds };
}

function sampleCorrelationIds(database: Database.Database): string[] {
  // Every 997th row (a prime, so samples spread over the whole file) gives about 1,000 ids.
  const rows = database
    .prepare(`SELECT correlation_id FROM ${TRACES_TABLE} WHERE id % 997 = 0 LIMIT 1024`)
    .all() as { correlation_id: string }[];
  return rows.map((row) => row.correlation_id);
}

/**
 * SQLite trace store: `store()` of 20,000 traces and the `flush()` that commits them, against
 * raw better-sqlite3 inserts of the same rows in one transaction; then `getByCorrelation` on a
 * database of 1,000,000 traces.
 */
export const sqliteTraceStore: BenchItem = {
  name: 'sqlite-trace-store',
  packages: ['sqlite'],
  title: `SQLite trace store: writes; correlation query on ${QUERY_ROWS.toLocaleString('en-US')} rows`,

  async run(mode) {
    mkdirSync(directory, { recursive: true });
    const template = createTemplateTrace();
    const traces = createTraces(template, WRITES);

    // Each call writes to a new file, made (and the previous one removed) outside the timed part.
    let fileNumber = 0;
    let previous: SqliteTraceStore | undefined;
    const newStore = async (): Promise<SqliteTraceStore> => {
      await previous?.close();
      const path = join(directory, `store-${fileNumber++ % 2}.db`);
      await createEmptyDatabase(path);
      previous = new SqliteTraceStore({ path });
      return previous;
    };
    const storeAll = async (store: SqliteTraceStore): Promise<void> => {
      await Promise.all(traces.map((trace) => store.store(trace)));
      await store.flush();
    };

    let previousRaw: Database.Database | undefined;
    const newRawDatabase = async (): Promise<(rows: MessageTrace[]) => void> => {
      previousRaw?.close();
      const path = join(directory, `raw-${fileNumber++ % 2}.db`);
      await createEmptyDatabase(path);
      const database = new Database(path);
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      previousRaw = database;
      const insert = database.prepare(INSERT);
      return database.transaction((rows: MessageTrace[]) => {
        for (const trace of rows) insert.run(...rowOf(trace));
      });
    };

    const writes: Candidate[] = [
      { name: 'SqliteTraceStore', role: 'item', setup: newStore, run: storeAll, messagesPerCall: WRITES },
      { name: 'raw better-sqlite3', role: 'baseline', setup: newRawDatabase, run: (insertAll: (rows: MessageTrace[]) => void) => insertAll(traces), messagesPerCall: WRITES },
    ];
    const writeComparison = await compareCandidates(writes, comparisonSettings(mode, 'long'));
    await previous?.close();
    previousRaw?.close();
    for (const name of ['store-0.db', 'store-1.db', 'raw-0.db', 'raw-1.db']) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(directory, name + suffix), { force: true });
    }

    const { path, correlationIds } = await prepareQueryDatabase(template);
    const store = new SqliteTraceStore({ path });
    const rawDatabase = new Database(path, { readonly: true });
    const select = rawDatabase.prepare(`SELECT ${COLUMNS.join(', ')} FROM ${TRACES_TABLE} WHERE correlation_id = ? ORDER BY timestamp, message_id`);

    const firstId = correlationIds[0] as CorrelationId;
    const found = await store.getByCorrelation(firstId);
    if (found.length !== PER_CORRELATION) throw new Error(`getByCorrelation returned ${found.length} traces; expected ${PER_CORRELATION}.`);

    let next = 0;
    let nextRaw = 0;
    const queries: Candidate[] = [
      {
        name: 'getByCorrelation',
        role: 'item',
        run: () => store.getByCorrelation(correlationIds[(next = (next + 1) % correlationIds.length)] as CorrelationId),
      },
      {
        name: 'raw SELECT + JSON.parse',
        role: 'baseline',
        run: () =>
          (select.all(correlationIds[(nextRaw = (nextRaw + 1) % correlationIds.length)]) as { hops: string; decisions: string }[]).map((row) => [
            JSON.parse(row.hops) as unknown,
            JSON.parse(row.decisions) as unknown,
          ]),
      },
    ];
    const queryComparison = await compareCandidates(queries, comparisonSettings(mode, 'short'));
    await store.close();
    rawDatabase.close();

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison: {
        timings: [...writeComparison.timings, ...queryComparison.timings],
        ratios: new Map([...writeComparison.ratios, ...queryComparison.ratios]),
      },
      targets: [
        { kind: 'rate', item: 'SqliteTraceStore', minPerSecond: 100_000, unit: 'traces/s' },
        { kind: 'speed', item: 'SqliteTraceStore', baseline: 'raw better-sqlite3', min: 0.5 },
        { kind: 'time', item: 'getByCorrelation', maxNs: 1e6 },
      ],
      notes: [
        `Writes: ${WRITES.toLocaleString('en-US')} traces per call into a new file (WAL, synchronous=NORMAL, the store's defaults), committed before the call ends.`,
        `Query: ${PER_CORRELATION} traces per correlation id; the query database is built once in ${directory} and reused.`,
      ],
    });
  },
};
