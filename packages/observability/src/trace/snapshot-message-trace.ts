import { describeValue } from '../describe-value.js';
import type { JsonValue } from './json-value.js';
import {
  MESSAGE_TRACE_SCHEMA_VERSION,
  type MessageTrace,
  type TraceCallSite,
  type TraceDecision,
  type TraceHop,
  type TraceOutcome,
} from './message-trace.js';
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
  TRACE_FIELDS,
} from './message-trace-rules.js';
import { parseCausationIdArgument, parseCorrelationIdArgument, parseMessageIdArgument } from './trace-arguments.js';
import { isSealedTrace } from './sealed-trace.js';
import { validateTraceOutcome } from './trace-outcome.js';

type Fields = Record<string, unknown>;

/**
 * Validates a {@link MessageTrace} and returns a deep-frozen copy of it with ids in canonical
 * lower-case form. A store keeps the copy, so changing the caller's object afterwards cannot
 * change what the store returns, and the store can hand the frozen copy to every reader. A trace
 * from `createMessageTrace` that passed its checks is already such a copy and is returned itself.
 *
 * Fields whose value is `undefined` are left out, as `JSON.stringify` does, so the copy
 * deep-equals the trace after a JSON round trip.
 *
 * @param argument - name of the value in error messages, such as `"trace"`.
 * @throws InvalidIdError (a TypeError) when an id is not a UUIDv7.
 * @throws TypeError naming the path of any other invalid field (for example
 * `trace.hops[2].caller.line`), an unknown field, or a value JSON cannot represent exactly
 * (a Date, a function, NaN, a circular reference).
 *
 * @example
 * ```ts
 * class MyTraceStore implements TraceStore {
 *   async store(trace: MessageTrace): Promise<void> {
 *     const row = snapshotMessageTrace(trace, 'trace');
 *     // ...
 *   }
 * }
 * ```
 */
export function snapshotMessageTrace(value: unknown, argument: string): MessageTrace {
  // A sealed trace is already a valid, deep-frozen copy that nothing can change.
  if (isSealedTrace(value)) return value;

  const trace = requireObject(value, argument, 'must be a MessageTrace such as createMessageTrace() returns');
  rejectUnknownFields(trace, TRACE_FIELDS, argument);

  if (trace['schemaVersion'] !== MESSAGE_TRACE_SCHEMA_VERSION) {
    throw new TypeError(
      `Invalid ${argument}.schemaVersion: ${describeValue(trace['schemaVersion'])}. ` +
        `This version reads schema version ${MESSAGE_TRACE_SCHEMA_VERSION}.`,
    );
  }

  const causationId = trace['causationId'];
  const snapshot: MessageTrace = {
    schemaVersion: MESSAGE_TRACE_SCHEMA_VERSION,
    messageId: parseMessageIdArgument(trace['messageId'], `${argument}.messageId`),
    correlationId: parseCorrelationIdArgument(trace['correlationId'], `${argument}.correlationId`),
    causationId: causationId === null ? null : parseCausationIdArgument(causationId, `${argument}.causationId`),
    messageType: requireString(trace, 'messageType', argument),
    timestamp: requireFiniteNumber(trace, 'timestamp', argument),
    topic: requireStringOrNull(trace, 'topic', argument),
    streamKey: requireStringOrNull(trace, 'streamKey', argument),
    partitionIndex: requireIndexOrNull(trace, 'partitionIndex', argument),
    sequenceNumber: requireIndexOrNull(trace, 'sequenceNumber', argument),
    ...(trace['payload'] === undefined ? {} : { payload: freezeJson(trace['payload'], `${argument}.payload`, [], []) }),
    hops: Object.freeze(requireArray(trace, 'hops', argument).map((hop, index) => snapshotHop(hop, index, argument))),
    decisions: Object.freeze(
      requireArray(trace, 'decisions', argument).map((decision, index) =>
        snapshotDecision(decision, `${argument}.decisions[${index}]`),
      ),
    ),
    outcome: snapshotOutcome(trace['outcome'], `${argument}.outcome`),
    traceparent: requireStringOrNull(trace, 'traceparent', argument),
  };
  return Object.freeze(snapshot);
}

function snapshotHop(value: unknown, index: number, argument: string): TraceHop {
  const path = `${argument}.hops[${index}]`;
  const hop = requireObject(value, path, 'must be a hop record');
  rejectUnknownFields(hop, HOP_FIELDS, path);

  // Hops are ordered by sequence, never by timestamp, so the array must already be in that order.
  if (hop['sequence'] !== index) {
    throw new TypeError(
      `Invalid ${path}.sequence: ${describeValue(hop['sequence'])}. Hop sequence numbers must be 0, 1, 2, ... ` +
        `in array order, so this hop must have sequence ${index}.`,
    );
  }

  return Object.freeze({
    sequence: index,
    serviceName: requireString(hop, 'serviceName', path),
    machineName: requireString(hop, 'machineName', path),
    timestamp: requireFiniteNumber(hop, 'timestamp', path),
    durationMs: requireNonNegativeNumber(hop, 'durationMs', path),
    executionStrategy: requireString(hop, 'executionStrategy', path),
    topic: requireString(hop, 'topic', path),
    streamKey: requireString(hop, 'streamKey', path),
    partitionIndex: requireIndexOrNull(hop, 'partitionIndex', path),
    sequenceNumber: requireIndexOrNull(hop, 'sequenceNumber', path),
    caller: snapshotCallSite(hop['caller'], `${path}.caller`),
  });
}

function snapshotCallSite(value: unknown, path: string): TraceCallSite {
  const caller = requireObject(value, path, 'must be a call site record');
  rejectUnknownFields(caller, CALL_SITE_FIELDS, path);

  const origin = caller['origin'];
  if (typeof origin !== 'string' || !CALL_SITE_ORIGINS.has(origin)) {
    throw new TypeError(`Invalid ${path}.origin: ${describeValue(origin)}. Use "source-map", "compiled" or "unknown".`);
  }

  return Object.freeze({
    functionName: requireStringOrNull(caller, 'functionName', path),
    filePath: requireStringOrNull(caller, 'filePath', path),
    relativePath: requireStringOrNull(caller, 'relativePath', path),
    line: requirePositionOrNull(caller, 'line', path),
    column: requirePositionOrNull(caller, 'column', path),
    origin: origin as TraceCallSite['origin'],
  });
}

function snapshotDecision(value: unknown, path: string): TraceDecision {
  const decision = requireObject(value, path, 'must be a policy decision record');
  rejectUnknownFields(decision, DECISION_FIELDS, path);

  const matched = decision['matched'];
  if (typeof matched !== 'boolean') {
    throw new TypeError(`Invalid ${path}.matched: ${describeValue(matched)}. Expected true or false.`);
  }

  return Object.freeze({
    policyName: requireString(decision, 'policyName', path),
    rule: requireString(decision, 'rule', path),
    matched,
    configuration: freezeJson(decision['configuration'], `${path}.configuration`, [], []),
    reason: requireString(decision, 'reason', path),
    timestamp: requireFiniteNumber(decision, 'timestamp', path),
  });
}

function snapshotOutcome(value: unknown, path: string): TraceOutcome {
  validateTraceOutcome(value, path);
  rejectUnknownFields(value as unknown as Fields, OUTCOME_FIELDS, path);

  return Object.freeze({
    status: value.status,
    ...(value.errorName === undefined ? {} : { errorName: value.errorName }),
    ...(value.errorMessage === undefined ? {} : { errorMessage: value.errorMessage }),
  });
}

/**
 * Copies a JSON value and freezes every object and array of the copy. `ancestors` contains the
 * objects on the path from the root, which detects cycles but still accepts an object that
 * appears twice side by side (JSON writes it twice). `keys` are the keys and indexes from `root`
 * to `value`; the path text is built from them only for an error message.
 */
function freezeJson(value: unknown, root: string, keys: (string | number)[], ancestors: object[]): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;

    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(`Invalid ${pathOf(root, keys)}: ${value}. JSON has no NaN or Infinity, so store null or a string.`);
      }
      // JSON writes -0 as 0, and the copy must equal what a JSON round trip returns.
      return value === 0 ? 0 : value;

    case 'object':
      return value === null ? null : freezeJsonObject(value, root, keys, ancestors);

    default:
      throw new TypeError(
        `Invalid ${pathOf(root, keys)}: a ${typeof value} is not a JSON value. Convert it with toJsonValue() or remove it.`,
      );
  }
}

function freezeJsonObject(value: object, root: string, keys: (string | number)[], ancestors: object[]): JsonValue {
  if (ancestors.includes(value)) {
    throw new TypeError(
      `Invalid ${pathOf(root, keys)}: circular reference. JSON cannot represent cycles, so remove the back reference.`,
    );
  }
  ancestors.push(value);

  let copy: JsonValue;
  if (Array.isArray(value)) {
    const array: JsonValue[] = new Array<JsonValue>(value.length);
    for (let index = 0; index < value.length; index++) {
      keys.push(index);
      array[index] = freezeJson(value[index], root, keys, ancestors);
      keys.pop();
    }
    copy = array;
  } else {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      throw new TypeError(
        `Invalid ${pathOf(root, keys)}: an instance of ${value.constructor.name} is not a plain JSON object. ` +
          'Convert it with toJsonValue() first.',
      );
    }

    const object: Record<string, JsonValue> = {};
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;

      keys.push(key);
      const frozen = freezeJson(item, root, keys, ancestors);
      keys.pop();

      if (key === '__proto__') {
        // defineProperty keeps a "__proto__" key as data, as JSON.parse does, instead of setting the prototype.
        Object.defineProperty(object, key, { value: frozen, enumerable: true, writable: true, configurable: true });
      } else {
        object[key] = frozen;
      }
    }
    copy = object;
  }

  ancestors.pop();
  return Object.freeze(copy);
}

/** Formats the path of a value inside a JSON value, such as `trace.payload.items[2].name`. */
function pathOf(root: string, keys: readonly (string | number)[]): string {
  return root + keys.map((key) => (typeof key === 'number' ? `[${key}]` : formatKey(key))).join('');
}

function formatKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function requireObject(value: unknown, path: string, expectation: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${path} ${expectation}, received ${describeValue(value)}.`);
  }
  return value as Fields;
}

function rejectUnknownFields(object: Fields, known: ReadonlySet<string>, path: string): void {
  // for-in with an own-property check visits the keys of Object.keys without allocating an array.
  for (const key in object) {
    if (!known.has(key) && Object.hasOwn(object, key)) {
      throw new TypeError(`Invalid ${path}${formatKey(key)}: unknown field. Remove it, because a trace store would drop it.`);
    }
  }
}

function requireString(object: Fields, key: string, path: string): string {
  const value = object[key];
  if (typeof value !== 'string') {
    throw new TypeError(`Invalid ${path}.${key}: ${describeValue(value)}. Expected a string.`);
  }
  return value;
}

function requireStringOrNull(object: Fields, key: string, path: string): string | null {
  const value = object[key];
  if (!isStringOrNull(value)) {
    throw new TypeError(`Invalid ${path}.${key}: ${describeValue(value)}. Expected a string or null.`);
  }
  return value;
}

function requireArray(object: Fields, key: string, path: string): unknown[] {
  const value = object[key];
  if (!Array.isArray(value)) {
    throw new TypeError(`Invalid ${path}.${key}: ${describeValue(value)}. Expected an array.`);
  }
  return value;
}

function requireFiniteNumber(object: Fields, key: string, path: string): number {
  const value = object[key];
  if (!isFiniteNumber(value)) {
    throw new TypeError(`Invalid ${path}.${key}: ${describeValue(value)}. Expected a finite number.`);
  }
  return value === 0 ? 0 : value;
}

function requireNonNegativeNumber(object: Fields, key: string, path: string): number {
  const value = object[key];
  if (!isFiniteNumber(value) || value < 0) {
    throw new TypeError(`Invalid ${path}.${key}: ${describeValue(value)}. Expected a finite number of at least 0.`);
  }
  return value === 0 ? 0 : value;
}

function requireIndexOrNull(object: Fields, key: string, path: string): number | null {
  const value = object[key];
  if (!isIndexOrNull(value)) {
    throw new TypeError(`Invalid ${path}.${key}: ${describeValue(value)}. Expected an integer of at least 0, or null.`);
  }
  return value === 0 ? 0 : value;
}

function requirePositionOrNull(object: Fields, key: string, path: string): number | null {
  const value = object[key];
  if (!isPositionOrNull(value)) {
    throw new TypeError(`Invalid ${path}.${key}: ${describeValue(value)}. Expected a 1-based integer, or null.`);
  }
  return value;
}
