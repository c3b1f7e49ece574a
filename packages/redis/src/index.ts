export { RedisSequenceProvider, type RedisSequenceProviderOptions } from './redis-sequence-provider.js';
export type { RedisConnectionOptions } from './redis-connection.js';
export type { SequenceFloor } from './sequence-floor.js';
export { RedisCommandError, RedisConnectionError, SequenceAllocationError, SequenceKeyLostError } from './errors.js';
export { redactRedisUrl } from './redact.js';
// Shared with @whizbang/postgres through @whizbang/observability, and exported here as before.
export { MAX_STREAM_KEY_BYTES, SequenceOutcomeUnknownError } from '@whizbang/observability';
