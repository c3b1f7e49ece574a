import { TRACE_OUTCOME_STATUSES } from './message-trace.js';

// The field names and value rules of a MessageTrace, shared by `snapshotMessageTrace` (which
// copies and names the invalid field) and `isStorableAsIs` (which checks in place and returns
// only true or false), so both apply one definition of a valid trace.

/** Field names of a trace. */
export const TRACE_FIELDS: ReadonlySet<string> = new Set([
  'schemaVersion',
  'messageId',
  'correlationId',
  'causationId',
  'messageType',
  'timestamp',
  'topic',
  'streamKey',
  'partitionIndex',
  'sequenceNumber',
  'payload',
  'hops',
  'decisions',
  'outcome',
  'traceparent',
]);

/** Field names of a hop. */
export const HOP_FIELDS: ReadonlySet<string> = new Set([
  'sequence',
  'serviceName',
  'machineName',
  'timestamp',
  'durationMs',
  'executionStrategy',
  'topic',
  'streamKey',
  'partitionIndex',
  'sequenceNumber',
  'caller',
]);

/** Field names of a hop's call site. */
export const CALL_SITE_FIELDS: ReadonlySet<string> = new Set(['functionName', 'filePath', 'relativePath', 'line', 'column', 'origin']);

/** Field names of a policy decision. */
export const DECISION_FIELDS: ReadonlySet<string> = new Set(['policyName', 'rule', 'matched', 'configuration', 'reason', 'timestamp']);

/** Field names of an outcome. */
export const OUTCOME_FIELDS: ReadonlySet<string> = new Set(['status', 'errorName', 'errorMessage']);

/** Values of a call site's `origin`. */
export const CALL_SITE_ORIGINS: ReadonlySet<string> = new Set(['source-map', 'compiled', 'unknown']);

/** Values of an outcome's `status`. */
export const OUTCOME_STATUSES: ReadonlySet<string> = new Set(TRACE_OUTCOME_STATUSES);

/** Tells whether `value` is a finite number. */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Tells whether `value` is a string or null. */
export function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** Tells whether `value` is null or an integer from 0 to `Number.MAX_SAFE_INTEGER` (a partition index or sequence number). */
export function isIndexOrNull(value: unknown): value is number | null {
  return value === null || (Number.isSafeInteger(value) && (value as number) >= 0);
}

/** Tells whether `value` is null or a 1-based line or column number. */
export function isPositionOrNull(value: unknown): value is number | null {
  return value === null || (Number.isSafeInteger(value) && (value as number) >= 1);
}
