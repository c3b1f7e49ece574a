// Measures SqliteTraceStore against raw better-sqlite3 on one machine. Not a benchmark suite:
// it prints rough figures for the README. Run after `pnpm run build`:
//   node scripts/measure-throughput.mjs [traceCount] [queryRows]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { createCorrelationId, createMessageId } from '@whizbang/observability';
import { createTraceFixtures } from '@whizbang/testkit';

import { SqliteTraceStore, TRACES_TABLE } from '../dist/index.js';

const traceCount = Number(process.argv[2] ?? 100_000);
const queryRows = Number(process.argv[3] ?? 1_000_000);
const directory = mkdtempSync(join(tmpdir(), 'whizbang-sqlite-measure-'));
const template = createTraceFixtures().root();

function makeTraces(count, correlationEvery = 10) {
  const traces = new Array(count);
  let correlationId = createCorrelationId();
  for (let index = 0; index < count; index++) {
    if (index % correlationEvery === 0) correlationId = createCorrelationId();
    traces[index] = { ...template, messageId: createMessageId(), correlationId, timestamp: template.timestamp + index };
  }
  return traces;
}

function rate(count, milliseconds) {
  return `${Math.round((count / milliseconds) * 1000).toLocaleString('en-US')} traces/s`;
}

// Wall-clock and CPU time in milliseconds. CPU time (user + system of this process) moves less
// than wall-clock time when other processes share the cores.
function startTimer() {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 };
  };
}

async function measureStore(traces) {
  const path = join(directory, `store-${Math.random()}.db`);
  const store = new SqliteTraceStore({ path, ...JSON.parse(process.env.STORE_OPTIONS ?? '{}') });
  const stop = startTimer();
  for (const trace of traces) await store.store(trace);
  await store.flush();
  const elapsed = stop();
  await store.close();
  return elapsed;
}

async function measureRaw(traces) {
  // Same schema and indexes as the store, created by the store itself.
  const path = join(directory, `raw-${Math.random()}.db`);
  await new SqliteTraceStore({ path }).close();
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  const insert = database.prepare(
    `INSERT INTO ${TRACES_TABLE} (message_id, correlation_id, causation_id, message_type, timestamp, topic, stream_key, ` +
      'partition_index, sequence_number, outcome_status, error_name, error_message, traceparent, trace_schema_version, ' +
      'payload, hops, decisions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertAll = database.transaction((rows) => {
    for (const trace of rows) {
      insert.run(
        trace.messageId, trace.correlationId, trace.causationId, trace.messageType, trace.timestamp, trace.topic,
        trace.streamKey, trace.partitionIndex, trace.sequenceNumber, trace.outcome.status, null, null, trace.traceparent,
        1, JSON.stringify(trace.payload), JSON.stringify(trace.hops), JSON.stringify(trace.decisions),
      );
    }
  });
  const stop = startTimer();
  insertAll(traces);
  const elapsed = stop();
  database.close();
  return elapsed;
}

async function measureCorrelationQuery(rows) {
  const path = join(directory, 'query.db');
  const store = new SqliteTraceStore({ path, maxQueue: 100_000, batchSize: 5_000 });
  const sample = [];
  for (let offset = 0; offset < rows; offset += 100_000) {
    const traces = makeTraces(Math.min(100_000, rows - offset));
    for (const trace of traces) await store.store(trace);
    sample.push(traces[Math.floor(traces.length / 2)].correlationId);
  }
  await store.flush();

  const queries = 2_000;
  const start = performance.now();
  let returned = 0;
  for (let index = 0; index < queries; index++) {
    returned += (await store.getByCorrelation(sample[index % sample.length])).length;
  }
  const elapsed = performance.now() - start;
  await store.close();
  return { perQueryMs: elapsed / queries, tracesPerQuery: returned / queries };
}

const traces = makeTraces(traceCount);
// One warm-up round of each, then the measured rounds.
await measureRaw(traces.slice(0, 10_000));
await measureStore(traces.slice(0, 10_000));
for (let round = 1; round <= 3; round++) {
  const raw = await measureRaw(traces);
  const stored = await measureStore(traces);
  console.log(
    `round ${round}: raw insert in one transaction ${rate(traceCount, raw.wall)} (CPU ${rate(traceCount, raw.cpu)}); ` +
      `SqliteTraceStore store()+flush() ${rate(traceCount, stored.wall)} (CPU ${rate(traceCount, stored.cpu)}); ` +
      `store/raw ${(raw.wall / stored.wall).toFixed(2)} wall-clock, ${(raw.cpu / stored.cpu).toFixed(2)} CPU`,
  );
}

if (queryRows > 0) {
  const query = await measureCorrelationQuery(queryRows);
  console.log(
    `getByCorrelation on ${queryRows.toLocaleString('en-US')} rows: ${(query.perQueryMs * 1000).toFixed(1)} µs per query, ` +
      `${query.tracesPerQuery} traces each`,
  );
}
rmSync(directory, { recursive: true, force: true });
