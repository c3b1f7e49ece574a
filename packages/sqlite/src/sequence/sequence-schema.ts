import type { SchemaMigration } from '../schema.js';

/** Name of the sequence provider's part in the schema table. */
export const SEQUENCES_COMPONENT = 'sequences';

/** Table of per-stream counters. */
export const SEQUENCES_TABLE = 'whizbang_sequences';

/**
 * Schema of the sequence provider, one entry per version. `stream_key` contains TEXT for well-formed
 * keys and a UTF-16LE BLOB for keys with lone surrogates (see `encodeText`), and `last_value` is
 * the last number handed out.
 */
export const SEQUENCE_MIGRATIONS = [
  {
    version: 1,
    sql: `CREATE TABLE ${SEQUENCES_TABLE} (
      stream_key TEXT PRIMARY KEY NOT NULL,
      last_value INTEGER NOT NULL
    ) WITHOUT ROWID`,
  },
] as const satisfies readonly SchemaMigration[];
