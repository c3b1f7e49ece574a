import type { SchemaComponent } from './schema.js';

/** Table of durable floors: per namespace and stream, the highest number a provider may have handed out. */
export const SEQUENCE_FLOORS_TABLE = 'whizbang_sequence_floors';

/** Versioned schema of {@link SEQUENCE_FLOORS_TABLE}. */
export const SEQUENCE_FLOORS_COMPONENT: SchemaComponent = {
  name: 'sequence_floors',
  migrations: [
    (schema) => `CREATE TABLE IF NOT EXISTS ${schema}.${SEQUENCE_FLOORS_TABLE} (
      namespace text NOT NULL,
      stream_key text NOT NULL,
      floor bigint NOT NULL CHECK (floor >= 0 AND floor <= 9007199254740991),
      PRIMARY KEY (namespace, stream_key)
    )`,
  ],
};
