import type { SchemaComponent } from './schema.js';

/** Table of per-stream counters: `value` is the last number allocated for `stream_key`. */
export const SEQUENCES_TABLE = 'whizbang_sequences';

/** Versioned schema of {@link SEQUENCES_TABLE}. */
export const SEQUENCES_COMPONENT: SchemaComponent = {
  name: 'sequences',
  migrations: [
    (schema) => `CREATE TABLE IF NOT EXISTS ${schema}.${SEQUENCES_TABLE} (
      stream_key text PRIMARY KEY,
      value bigint NOT NULL CHECK (value >= 0 AND value <= 9007199254740991)
    )`,
  ],
};
