import type { SchemaComponent } from './schema.js';

/** Table of message traces: one row per message id, with the indexed fields next to the trace JSON. */
export const TRACES_TABLE = 'whizbang_traces';

/**
 * Versioned schema of {@link TRACES_TABLE}. Ids are `uuid` columns, whose order is the order of
 * their canonical text, so `ORDER BY timestamp_ms, message_id` matches `compareTracesByTime`
 * whatever the database collation. The trace is kept as `json` (its exact text), not `jsonb`,
 * because `jsonb` rejects the `\u0000` escape that a payload string may contain.
 */
export const TRACES_COMPONENT: SchemaComponent = {
  name: 'traces',
  migrations: [
    (schema) => `
      CREATE TABLE IF NOT EXISTS ${schema}.${TRACES_TABLE} (
        message_id uuid PRIMARY KEY,
        correlation_id uuid NOT NULL,
        causation_id uuid,
        timestamp_ms double precision NOT NULL,
        trace json NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${TRACES_TABLE}_correlation_idx
        ON ${schema}.${TRACES_TABLE} (correlation_id, timestamp_ms, message_id);
      CREATE INDEX IF NOT EXISTS ${TRACES_TABLE}_causation_idx
        ON ${schema}.${TRACES_TABLE} (causation_id) WHERE causation_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS ${TRACES_TABLE}_time_idx
        ON ${schema}.${TRACES_TABLE} (timestamp_ms, message_id)`,
  ],
};
