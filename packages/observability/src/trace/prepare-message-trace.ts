import {
  CALL_SITE_FIELDS,
  CALL_SITE_ORIGINS,
  DECISION_FIELDS,
  HOP_FIELDS,
  isFiniteNumber,
  isIndexOrNull,
  isPositionOrNull,
  isStringOrNull,
  OUTCOME_FIELDS,
  OUTCOME_STATUSES,
  TRACE_FIELDS,
} from './message-trace-rules.js';
import { MESSAGE_TRACE_SCHEMA_VERSION, type MessageTrace } from './message-trace.js';
import { isSealedTrace } from './sealed-trace.js';
import { snapshotMessageTrace } from './snapshot-message-trace.js';

// Lower case only: the snapshot lower-cases ids, so an upper-case id takes the snapshot path.
const CANONICAL_UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Deeper JSON takes the snapshot path. The limit also ends the walk of a circular value.
const MAX_JSON_DEPTH = 64;

type Fields = Record<string, unknown>;

/**
 * Validates a {@link MessageTrace} for a store that serializes it at once, and returns the trace
 * to serialize: `value` itself when it is a plain, valid trace with canonical (lower-case) ids,
 * else the copy {@link snapshotMessageTrace} makes. Either way `JSON.stringify` of the result
 * parses to the snapshot's JSON value, because both leave out `undefined` fields.
 *
 * The in-place check copies nothing and builds no error text, so it costs a fraction of a
 * snapshot. Any doubt (an upper-case id, a class instance, JSON deeper than 64 levels, a sparse
 * array) sends the trace to `snapshotMessageTrace`, which throws its usual error for an invalid
 * trace. Both accept and reject the same traces, with the same errors.
 *
 * The result can be the caller's own object, which the caller may still change: serialize it
 * before returning to the caller, or use `snapshotMessageTrace` to keep it.
 *
 * @param argument - name of the value in error messages, such as `"trace"`.
 * @throws InvalidIdError (a TypeError) when an id is not a UUIDv7.
 * @throws TypeError naming the path of any other invalid field, as `snapshotMessageTrace` does.
 *
 * @example
 * ```ts
 * class MyTraceStore implements TraceStore {
 *   async store(trace: MessageTrace): Promise<void> {
 *     const valid = prepareMessageTrace(trace, 'trace');
 *     const row = { id: valid.messageId, hops: JSON.stringify(valid.hops) };
 *     // ...
 *   }
 * }
 * ```
 */
export function prepareMessageTrace(value: unknown, argument: string): MessageTrace {
  // A sealed trace from createMessageTrace passed the same checks when it was built.
  return isSealedTrace(value) || isStorableAsIs(value) ? value : snapshotMessageTrace(value, argument);
}

/**
 * Returns true when `value` is a plain, valid {@link MessageTrace} with canonical ids that can be
 * stored as it is, and whose JSON text parses to what its snapshot's does. False means "check it
 * with `snapshotMessageTrace`", not "invalid".
 */
// NOTE: the field sets and value rules come from message-trace-rules.ts, but which field takes
// which rule is written here and in snapshotMessageTrace. A field added to one must be added to
// the other; test/trace/prepare-message-trace.test.ts compares both on a table of fields and values.
function isStorableAsIs(value: unknown): value is MessageTrace {
  if (!isPlainObject(value) || !hasOnlyFields(value, TRACE_FIELDS)) return false;

  const causationId = value['causationId'];
  const payload = value['payload'];
  return (
    value['schemaVersion'] === MESSAGE_TRACE_SCHEMA_VERSION &&
    isCanonicalId(value['messageId']) &&
    isCanonicalId(value['correlationId']) &&
    (causationId === null || isCanonicalId(causationId)) &&
    typeof value['messageType'] === 'string' &&
    isFiniteNumber(value['timestamp']) &&
    isStringOrNull(value['topic']) &&
    isStringOrNull(value['streamKey']) &&
    isIndexOrNull(value['partitionIndex']) &&
    isIndexOrNull(value['sequenceNumber']) &&
    (payload === undefined || isPlainJson(payload, 0)) &&
    areHops(value['hops']) &&
    areDecisions(value['decisions']) &&
    isOutcome(value['outcome']) &&
    isStringOrNull(value['traceparent'])
  );
}

function areHops(value: unknown): boolean {
  if (!Array.isArray(value)) return false;

  for (let index = 0; index < value.length; index++) {
    const hop: unknown = value[index];
    if (!isPlainObject(hop) || !hasOnlyFields(hop, HOP_FIELDS)) return false;

    const valid =
      hop['sequence'] === index &&
      typeof hop['serviceName'] === 'string' &&
      typeof hop['machineName'] === 'string' &&
      isFiniteNumber(hop['timestamp']) &&
      isFiniteNumber(hop['durationMs']) &&
      hop['durationMs'] >= 0 &&
      typeof hop['executionStrategy'] === 'string' &&
      typeof hop['topic'] === 'string' &&
      typeof hop['streamKey'] === 'string' &&
      isIndexOrNull(hop['partitionIndex']) &&
      isIndexOrNull(hop['sequenceNumber']) &&
      isCallSite(hop['caller']);
    if (!valid) return false;
  }
  return true;
}

function isCallSite(value: unknown): boolean {
  if (!isPlainObject(value) || !hasOnlyFields(value, CALL_SITE_FIELDS)) return false;

  const origin = value['origin'];
  return (
    typeof origin === 'string' &&
    CALL_SITE_ORIGINS.has(origin) &&
    isStringOrNull(value['functionName']) &&
    isStringOrNull(value['filePath']) &&
    isStringOrNull(value['relativePath']) &&
    isPositionOrNull(value['line']) &&
    isPositionOrNull(value['column'])
  );
}

function areDecisions(value: unknown): boolean {
  if (!Array.isArray(value)) return false;

  for (let index = 0; index < value.length; index++) {
    const decision: unknown = value[index];
    if (!isPlainObject(decision) || !hasOnlyFields(decision, DECISION_FIELDS)) return false;

    const configuration = decision['configuration'];
    const valid =
      typeof decision['policyName'] === 'string' &&
      typeof decision['rule'] === 'string' &&
      typeof decision['matched'] === 'boolean' &&
      configuration !== undefined &&
      isPlainJson(configuration, 0) &&
      typeof decision['reason'] === 'string' &&
      isFiniteNumber(decision['timestamp']);
    if (!valid) return false;
  }
  return true;
}

function isOutcome(value: unknown): boolean {
  if (!isPlainObject(value) || !hasOnlyFields(value, OUTCOME_FIELDS)) return false;

  const status = value['status'];
  const errorName = value['errorName'];
  const errorMessage = value['errorMessage'];
  if (typeof status !== 'string' || !OUTCOME_STATUSES.has(status)) return false;
  if (status === 'succeeded') return errorName === undefined && errorMessage === undefined;
  return (errorName === undefined || typeof errorName === 'string') && (errorMessage === undefined || typeof errorMessage === 'string');
}

/**
 * Returns true for null, strings, booleans, finite numbers, dense arrays of such values and
 * plain objects whose values are such values or undefined (which JSON leaves out).
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;

    case 'number':
      return Number.isFinite(value);

    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_JSON_DEPTH) return false;

      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          // A hole reads as undefined too, so sparse arrays take the snapshot path.
          const item: unknown = value[index];
          if (item === undefined || !isPlainJson(item, depth + 1)) return false;
        }
        return true;
      }

      if (!isPlainObject(value)) return false;
      for (const key in value) {
        const item = value[key];
        if (item !== undefined && !isPlainJson(item, depth + 1)) return false;
      }
      return true;
    }

    default:
      return false;
  }
}

function isPlainObject(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;

  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

// `for...in` visits own and inherited enumerable keys without building an array. Plain objects
// inherit none, so this visits exactly the keys `Object.keys` would return.
function hasOnlyFields(value: Fields, fields: ReadonlySet<string>): boolean {
  for (const key in value) {
    if (!fields.has(key)) return false;
  }
  return true;
}

function isCanonicalId(value: unknown): boolean {
  return typeof value === 'string' && CANONICAL_UUID_V7.test(value);
}
