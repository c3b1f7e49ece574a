import type { SchemaMigration } from '../schema.js';

/** Name of the trace store's part in the schema table. */
export const TRACES_COMPONENT = 'traces';

/** Table of stored traces. */
export const TRACES_TABLE = 'whizbang_traces';

/**
 * Schema of the trace store, one entry per version.
 *
 * The fields a query filters or sorts on are real columns with indexes: message id (unique),
 * correlation id with the (timestamp, message id) order, causation id (partial: most traces
 * have none) and (timestamp, message id). Hops, decisions and the payload are JSON text, so a
 * trace reads back equal to what was stored.
 *
 * String columns other than ids and JSON hold TEXT, or a UTF-16LE BLOB for a string with a lone
 * surrogate (see `encodeText`). `timestamp` has INTEGER affinity: whole milliseconds are stored
 * as integers and fractional ones stay REAL, and SQLite compares both numerically.
 */
export const TRACE_MIGRATIONS = [
  {
    version: 1,
    sql: `
      CREATE TABLE ${TRACES_TABLE} (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        correlation_id TEXT NOT NULL,
        causation_id TEXT,
        message_type TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        topic TEXT,
        stream_key TEXT,
        partition_index INTEGER,
        sequence_number INTEGER,
        outcome_status TEXT NOT NULL,
        error_name TEXT,
        error_message TEXT,
        traceparent TEXT,
        trace_schema_version INTEGER NOT NULL,
        payload TEXT,
        hops TEXT NOT NULL,
        decisions TEXT NOT NULL
      );
      CREATE INDEX ${TRACES_TABLE}_correlation ON ${TRACES_TABLE} (correlation_id, timestamp, message_id);
      CREATE INDEX ${TRACES_TABLE}_causation ON ${TRACES_TABLE} (causation_id) WHERE causation_id IS NOT NULL;
      CREATE INDEX ${TRACES_TABLE}_timestamp ON ${TRACES_TABLE} (timestamp, message_id);
    `,
  },
] as const satisfies readonly SchemaMigration[];

/** Newest trace schema version this package reads and writes: the last migration's version. */
export const TRACE_SCHEMA_VERSION: number = Math.max(...TRACE_MIGRATIONS.map((migration) => migration.version));
