import type { SourcePosition } from '../caller/call-site.js';
import { isCreatedEnvelope, type MessageEnvelope } from '../envelope.js';
import type { MessageHop } from '../hop.js';
import type { PolicyDecision } from '../trail.js';
import { describeValue } from '../describe-value.js';
import { immutableJsonOf } from './immutable-json.js';
import { toFrozenJsonValue, type JsonValue } from './json-value.js';
import { CALL_SITE_ORIGINS, isFiniteNumber, isIndexOrNull, isPositionOrNull, isStringOrNull } from './message-trace-rules.js';
import {
  TRACE_OUTCOME_STATUSES,
  type MessageTrace,
  type TraceCallSite,
  type TraceDecision,
  type TraceHop,
  type TraceOutcome,
} from './message-trace.js';
import { buildTrace } from './sealed-trace.js';
import { validateTraceOutcome } from './trace-outcome.js';

/**
 * Options of {@link createMessageTrace}.
 *
 * @example
 * ```ts
 * const options: MessageTraceOptions<Order> = { payload: (order) => ({ orderId: order.orderId }) };
 * ```
 */
export interface MessageTraceOptions<TMessage = unknown> {
  /**
   * Part of the message payload that the trace keeps:
   * - `'omit'` (default): nothing, because payloads can contain personal data and can be large.
   * - `'include'`: a JSON copy of the whole payload.
   * - a function: a JSON copy of what it returns, for example the payload without personal fields.
   */
  readonly payload?: 'omit' | 'include' | ((payload: TMessage) => unknown);
}

const UNKNOWN_CALL_SITE: TraceCallSite = Object.freeze({
  functionName: null,
  filePath: null,
  relativePath: null,
  line: null,
  column: null,
  origin: 'unknown',
});

/**
 * Creates a {@link MessageTrace}: a JSON snapshot of `envelope` (ids, routing, hops with their
 * callers resolved, policy decisions, traceparent) and `outcome`. Hops and decisions recorded on
 * the envelope afterwards do not change the trace.
 *
 * The trace is deep-frozen. When every field is valid, as it is for an envelope from
 * `createEnvelope` with hops from `recordHop`, trace stores keep it without copying it again.
 * Frozen JSON configurations in the decisions are shared between traces, not copied.
 *
 * A hop whose call site cannot be resolved (for example a corrupt source map) is recorded with an
 * `unknown` caller instead of failing, so a source-map problem never fails the trace.
 *
 * @throws TypeError when `envelope` is not an object, `outcome` is invalid, `options.payload` is
 * not a known value, or the payload cannot be converted to JSON.
 *
 * @example
 * ```ts
 * const envelope = createEnvelope({ type: 'OrderPlaced', orderId: 'order-42' });
 * const trace = createMessageTrace(envelope, { status: 'succeeded' }, { payload: 'include' });
 * await traceStore.store(trace);
 * ```
 */
export function createMessageTrace<TMessage>(
  envelope: MessageEnvelope<TMessage>,
  outcome: TraceOutcome,
  options: MessageTraceOptions<TMessage> = {},
): MessageTrace {
  if (typeof envelope !== 'object' || envelope === null) {
    throw new TypeError(`envelope must be a MessageEnvelope created by createEnvelope, received ${describeValue(envelope)}.`);
  }
  validateTraceOutcome(outcome, 'outcome');
  const payload = snapshotPayload(envelope.payload, options.payload);

  // Every record is built frozen and checked with the rules a store applies. A trace that passes
  // is sealed, so stores keep it as it is. One that fails (a hand-built hop with a negative
  // partition, an envelope from elsewhere) stays unsealed, and the store names its invalid field.
  let valid = isCreatedEnvelope(envelope);

  const sourceHops = envelope.hops;
  const hops = new Array<TraceHop>(sourceHops.length);
  for (let index = 0; index < sourceHops.length; index++) {
    const hop = toTraceHop(sourceHops[index] as MessageHop, index);
    if (valid && !isValidHop(hop)) valid = false;
    hops[index] = hop;
  }

  const sourceDecisions = envelope.policyTrail.decisions;
  const decisions = new Array<TraceDecision>(sourceDecisions.length);
  for (let index = 0; index < sourceDecisions.length; index++) {
    const decision = toTraceDecision(sourceDecisions[index] as PolicyDecision, index);
    if (valid && !isValidDecision(decision)) valid = false;
    decisions[index] = decision;
  }

  const frozenHops = Object.freeze(hops);
  const frozenDecisions = Object.freeze(decisions);
  const frozenOutcome = copyOutcome(outcome);
  if (valid) valid = typeof envelope.messageType === 'string' && isFiniteNumber(envelope.timestamp);

  return buildTrace(envelope, frozenHops, frozenDecisions, frozenOutcome, payload, valid);
}

function snapshotPayload<TMessage>(
  payload: TMessage,
  option: MessageTraceOptions<TMessage>['payload'],
): JsonValue | undefined {
  if (option === undefined || option === 'omit') return undefined;
  if (option === 'include') return toFrozenJsonValue(payload, 'options.payload');
  if (typeof option === 'function') return toFrozenJsonValue(option(payload), 'options.payload');

  throw new TypeError(
    `Invalid options.payload: ${describeValue(option)}. Use 'omit', 'include' or a function that returns what to keep.`,
  );
}

function toTraceHop(hop: MessageHop, sequence: number): TraceHop {
  return Object.freeze({
    sequence,
    serviceName: hop.serviceName,
    machineName: hop.machineName,
    timestamp: withoutNegativeZero(hop.timestamp),
    durationMs: withoutNegativeZero(hop.durationMs),
    executionStrategy: hop.executionStrategy,
    topic: hop.topic,
    streamKey: hop.streamKey,
    partitionIndex: hop.partitionIndex ?? null,
    sequenceNumber: hop.sequenceNumber ?? null,
    caller: traceCallSiteOf(hop),
  });
}

// Resolved positions are cached and frozen per call site, so every hop from one call site can
// share one frozen caller record.
const callSiteRecords = new WeakMap<SourcePosition, TraceCallSite>();

function traceCallSiteOf(hop: MessageHop): TraceCallSite {
  let position: SourcePosition;
  try {
    position = hop.caller.resolve();
  } catch {
    // The trace still shows which hop lost its position: origin `unknown` with null parts.
    return UNKNOWN_CALL_SITE;
  }

  const shareable = Object.isFrozen(position);
  if (shareable) {
    const shared = callSiteRecords.get(position);
    if (shared !== undefined) return shared;
  }

  const record: TraceCallSite = Object.freeze({
    functionName: position.functionName ?? null,
    filePath: position.filePath ?? null,
    relativePath: position.relativePath ?? null,
    line: position.line ?? null,
    column: position.column ?? null,
    origin: position.origin,
  });
  if (shareable) callSiteRecords.set(position, record);
  return record;
}

function toTraceDecision(decision: PolicyDecision, index: number): TraceDecision {
  return Object.freeze({
    policyName: decision.policyName,
    rule: decision.rule,
    matched: decision.matched,
    configuration: immutableJsonOf(decision.configuration, `envelope.policyTrail.decisions[${index}].configuration`),
    reason: decision.reason,
    timestamp: withoutNegativeZero(decision.timestamp),
  });
}

// Most outcomes are a bare status, so every trace with one shares a frozen record.
const STATUS_ONLY_OUTCOMES: ReadonlyMap<string, TraceOutcome> = new Map(
  TRACE_OUTCOME_STATUSES.map((status) => [status, Object.freeze({ status })]),
);

// One literal per shape, because spreads would take V8's slow path.
function copyOutcome(outcome: TraceOutcome): TraceOutcome {
  const { status, errorName, errorMessage } = outcome;
  if (errorName === undefined) {
    return errorMessage === undefined ? (STATUS_ONLY_OUTCOMES.get(status) as TraceOutcome) : Object.freeze({ status, errorMessage });
  }
  return errorMessage === undefined ? Object.freeze({ status, errorName }) : Object.freeze({ status, errorName, errorMessage });
}

// JSON writes -0 as 0, and a stored trace must equal its JSON round trip.
function withoutNegativeZero(value: number): number {
  return value === 0 ? 0 : value;
}

// The checks below apply the rules of snapshotMessageTrace to the fields that can come from
// outside: hand-built hops, a custom trail, a clock returning NaN. Ids and routing were
// validated by createEnvelope (see isCreatedEnvelope), which also checks the traceparent.

function isValidHop(hop: TraceHop): boolean {
  const caller = hop.caller;
  return (
    typeof hop.serviceName === 'string' &&
    typeof hop.machineName === 'string' &&
    isFiniteNumber(hop.timestamp) &&
    isFiniteNumber(hop.durationMs) &&
    hop.durationMs >= 0 &&
    typeof hop.executionStrategy === 'string' &&
    typeof hop.topic === 'string' &&
    typeof hop.streamKey === 'string' &&
    isIndexOrNull(hop.partitionIndex) &&
    isIndexOrNull(hop.sequenceNumber) &&
    isStringOrNull(caller.functionName) &&
    isStringOrNull(caller.filePath) &&
    isStringOrNull(caller.relativePath) &&
    isPositionOrNull(caller.line) &&
    isPositionOrNull(caller.column) &&
    CALL_SITE_ORIGINS.has(caller.origin)
  );
}

function isValidDecision(decision: TraceDecision): boolean {
  return (
    typeof decision.policyName === 'string' &&
    typeof decision.rule === 'string' &&
    typeof decision.matched === 'boolean' &&
    typeof decision.reason === 'string' &&
    isFiniteNumber(decision.timestamp)
  );
}
