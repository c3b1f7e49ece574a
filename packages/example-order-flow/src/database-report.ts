import { closeSync, existsSync, openSync, readSync, rmSync } from 'node:fs';

import { SCHEMA_TABLE, TRACES_TABLE } from '@whizbang/sqlite';
import Database from 'better-sqlite3';

/** A broken sequence of one stream, found in the database. */
export interface OrderingViolation {
  readonly topic: string;
  readonly streamKey: string;

  /**
   * - `duplicate`: two messages of the stream have the same sequence number.
   * - `gap`: a number is missing between two stored messages, so a message was lost.
   * - `out-of-order`: in a serial topic, a message was stored (it settled) before a message
   *   with a lower number of the same stream.
   */
  readonly kind: 'duplicate' | 'gap' | 'out-of-order';
  readonly detail: string;
}

/** Contents of the database for one run, read back after the store was closed. */
export interface DatabaseReport {
  /** Traces of the run. */
  readonly traces: number;

  /** Traces by topic, then by message type; `(not routed)` for traces without a topic. */
  readonly byTopic: ReadonlyMap<string, ReadonlyMap<string, number>>;

  /** Traces by outcome status. */
  readonly byOutcome: ReadonlyMap<string, number>;

  /** Unsuccessful traces by error name (`(no error name)` when there is none). */
  readonly errorsByName: ReadonlyMap<string, number>;

  /** Streams whose sequence numbers were checked. */
  readonly streams: number;

  /** Every violation found; empty when every stream is in order. */
  readonly violations: readonly OrderingViolation[];

  /**
   * Id of the first `PlaceOrder` of the run (by creation time) whose whole workflow succeeded,
   * else of the first `PlaceOrder`: the example chain of the summary.
   */
  readonly exampleOrderMessageId: string | undefined;

  /** Id of the first `PlaceOrder` whose workflow has a failed message, when there is one. */
  readonly firstFailedOrderMessageId: string | undefined;
}

// Every file written by SQLite 3 starts with these 16 bytes.
const SQLITE_HEADER = 'SQLite format 3\u0000';

/**
 * Thrown when `--db` names a file the example must not overwrite or cannot use.
 */
export class DatabaseFileError extends Error {
  override readonly name = 'DatabaseFileError';
}

/**
 * Makes `path` ready for a run and returns the row id after which the run's traces will be
 * stored. Without `append`, an existing Whizbang database (and its `-wal` and `-shm` files) is
 * deleted so the run starts from an empty file. With `append`, its traces stay, and the
 * returned id separates them from the new run's.
 *
 * @throws DatabaseFileError when `path` exists but is not a Whizbang database: the example
 *   never deletes or writes a file it did not create.
 */
export function prepareDatabaseFile(path: string, append: boolean): number {
  if (!existsSync(path)) return 0;

  if (!isWhizbangDatabase(path)) {
    throw new DatabaseFileError(
      `${path} exists and is not a Whizbang trace database, so the example will not overwrite it. Pass another file with --db PATH.`,
    );
  }
  if (append) return lastTraceRowId(path);

  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
  return 0;
}

function isWhizbangDatabase(path: string): boolean {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const descriptor = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(descriptor, header, 0, header.length, 0);
  } finally {
    closeSync(descriptor);
  }
  if (read === 0) return true; // an empty file is what SQLite creates first
  if (header.toString('latin1', 0, read) !== SQLITE_HEADER) return false;

  const database = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(SCHEMA_TABLE) !== undefined;
  } finally {
    database.close();
  }
}

function lastTraceRowId(path: string): number {
  const database = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(TRACES_TABLE);
    if (table === undefined) return 0;
    const row = database.prepare(`SELECT max(id) AS last FROM ${TRACES_TABLE}`).get() as { last: number | null };
    return row.last ?? 0;
  } finally {
    database.close();
  }
}

interface SequenceRow {
  id: number;
  topic: string | Buffer;
  stream_key: string | Buffer;
  sequence_number: number;
}

/**
 * Reads the traces stored after row `afterRowId` from the closed database at `path`, counts
 * them and checks every stream's sequence numbers. No stream may have a duplicate or a missing
 * number. In the topics of `orderedTopics` (the serial ones), the messages of a stream must
 * also have settled in sequence order.
 *
 * NOTE: settle order is read from the table's row ids. The dispatcher stores a trace when its
 * message settles, and `SqliteTraceStore` inserts traces in the order of the `store()` calls
 * (its queue is first in, first out), so row order is settle order.
 */
export function inspectDatabase(path: string, afterRowId: number, orderedTopics: ReadonlySet<string>): DatabaseReport {
  const database = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const traces = (database.prepare(`SELECT count(*) AS total FROM ${TRACES_TABLE} WHERE id > ?`).get(afterRowId) as { total: number }).total;

    const byTopic = new Map<string, Map<string, number>>();
    const topicRows = database
      .prepare(`SELECT topic, message_type, count(*) AS total FROM ${TRACES_TABLE} WHERE id > ? GROUP BY topic, message_type ORDER BY topic, message_type`)
      .all(afterRowId) as { topic: string | Buffer | null; message_type: string | Buffer; total: number }[];
    for (const row of topicRows) {
      const topic = row.topic === null ? '(not routed)' : text(row.topic);
      let types = byTopic.get(topic);
      if (types === undefined) {
        types = new Map();
        byTopic.set(topic, types);
      }
      types.set(text(row.message_type), row.total);
    }

    const byOutcome = new Map<string, number>();
    const errorsByName = new Map<string, number>();
    const outcomeRows = database
      .prepare(`SELECT outcome_status, error_name, count(*) AS total FROM ${TRACES_TABLE} WHERE id > ? GROUP BY outcome_status, error_name`)
      .all(afterRowId) as { outcome_status: string; error_name: string | Buffer | null; total: number }[];
    for (const row of outcomeRows) {
      byOutcome.set(row.outcome_status, (byOutcome.get(row.outcome_status) ?? 0) + row.total);
      if (row.outcome_status === 'succeeded') continue;
      const name = row.error_name === null ? '(no error name)' : text(row.error_name);
      errorsByName.set(name, (errorsByName.get(name) ?? 0) + row.total);
    }

    const { streams, violations } = checkSequences(database, afterRowId, orderedTopics);

    const firstSucceeded = database
      .prepare(
        `SELECT message_id FROM ${TRACES_TABLE} AS root WHERE id > ? AND message_type = 'PlaceOrder' AND NOT EXISTS ` +
          `(SELECT 1 FROM ${TRACES_TABLE} AS other WHERE other.correlation_id = root.correlation_id AND other.outcome_status <> 'succeeded') ` +
          'ORDER BY timestamp, message_id LIMIT 1',
      )
      .get(afterRowId) as { message_id: string } | undefined;
    const first =
      firstSucceeded ??
      (database
        .prepare(`SELECT message_id FROM ${TRACES_TABLE} WHERE id > ? AND message_type = 'PlaceOrder' ORDER BY timestamp, message_id LIMIT 1`)
        .get(afterRowId) as { message_id: string } | undefined);
    const firstFailed = database
      .prepare(
        `SELECT root.message_id FROM ${TRACES_TABLE} AS failed JOIN ${TRACES_TABLE} AS root ` +
          "ON root.correlation_id = failed.correlation_id AND root.causation_id IS NULL " +
          "WHERE failed.id > ? AND failed.outcome_status = 'failed' ORDER BY failed.timestamp, failed.message_id LIMIT 1",
      )
      .get(afterRowId) as { message_id: string } | undefined;

    return {
      traces,
      byTopic,
      byOutcome,
      errorsByName,
      streams,
      violations,
      exampleOrderMessageId: first?.message_id,
      firstFailedOrderMessageId: firstFailed?.message_id,
    };
  } finally {
    database.close();
  }
}

function checkSequences(database: Database.Database, afterRowId: number, orderedTopics: ReadonlySet<string>): { streams: number; violations: OrderingViolation[] } {
  const rows = database
    .prepare(
      `SELECT id, topic, stream_key, sequence_number FROM ${TRACES_TABLE} ` +
        'WHERE id > ? AND sequence_number IS NOT NULL AND topic IS NOT NULL AND stream_key IS NOT NULL ' +
        'ORDER BY topic, stream_key, sequence_number, id',
    )
    .iterate(afterRowId) as IterableIterator<SequenceRow>;

  const violations: OrderingViolation[] = [];
  let streams = 0;
  let previous: { topic: string; streamKey: string; sequence: number; id: number; maxId: number } | undefined;

  for (const row of rows) {
    const topic = text(row.topic);
    const streamKey = text(row.stream_key);
    if (previous === undefined || previous.topic !== topic || previous.streamKey !== streamKey) {
      streams++;
      previous = { topic, streamKey, sequence: row.sequence_number, id: row.id, maxId: row.id };
      continue;
    }

    const expected = previous.sequence + 1;
    if (row.sequence_number === previous.sequence) {
      violations.push({ topic, streamKey, kind: 'duplicate', detail: `sequence number ${row.sequence_number} is stored twice` });
    } else if (row.sequence_number !== expected) {
      const missing = row.sequence_number - 1 === expected ? `sequence number ${expected} is` : `sequence numbers ${expected} to ${row.sequence_number - 1} are`;
      violations.push({ topic, streamKey, kind: 'gap', detail: `${missing} missing` });
    }
    if (orderedTopics.has(topic) && row.id < previous.maxId) {
      violations.push({ topic, streamKey, kind: 'out-of-order', detail: `message #${row.sequence_number} settled before a message with a lower number` });
    }

    previous = { topic, streamKey, sequence: row.sequence_number, id: row.id, maxId: Math.max(previous.maxId, row.id) };
  }

  return { streams, violations };
}

function text(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('utf16le');
}

/**
 * Removes the `-wal` and `-shm` files that the read-only connections of the report leave next
 * to the database. A read-only connection cannot delete them when it closes; the last writable
 * connection that closes checkpoints the WAL into the database and deletes both. SQLite opens
 * the file lazily, so the connection runs one query first. While another process keeps the
 * database open, the files stay, which is harmless.
 */
export function removeWalFiles(path: string): void {
  const database = new Database(path, { fileMustExist: true });
  try {
    database.prepare('SELECT count(*) FROM sqlite_master').get();
  } finally {
    database.close();
  }
}
