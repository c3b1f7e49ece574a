export { PostgresSequenceProvider, type PostgresSequenceProviderOptions } from './postgres-sequence-provider.js';
export type { PostgresConnectionOptions } from './connection.js';
export { PostgresConnectionError, PostgresQueryError, PostgresSchemaVersionError } from './errors.js';
export { redactConnectionString } from './redact.js';
// Shared with @whizbang/redis through @whizbang/observability, and exported here as before.
export { MAX_STREAM_KEY_BYTES, SequenceOutcomeUnknownError } from '@whizbang/observability';
export { DEFAULT_SCHEMA, SCHEMA_VERSION_TABLE } from './schema.js';
export { PostgresSequenceFloor, type PostgresSequenceFloorOptions } from './postgres-sequence-floor.js';
export { PostgresTraceStore, type PostgresTraceStoreOptions } from './postgres-trace-store.js';
