import type { MessageEnvelope } from '../envelope.js';
import type { MessageHop } from '../hop.js';
import type { PolicyDecision } from '../trail.js';
import { describeValue } from '../describe-value.js';
import { toJsonValue, type JsonValue } from './json-value.js';
import {
  MESSAGE_TRACE_SCHEMA_VERSION,
  type MessageTrace,
  type TraceCallSite,
  type TraceDecision,
  type TraceHop,
  type TraceOutcome,
} from './message-trace.js';
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

  const trace: MessageTrace = {
    schemaVersion: MESSAGE_TRACE_SCHEMA_VERSION,
    messageId: envelope.messageId,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId ?? null,
    messageType: envelope.messageType,
    timestamp: envelope.timestamp,
    topic: envelope.topic ?? null,
    streamKey: envelope.streamKey ?? null,
    partitionIndex: envelope.partitionIndex ?? null,
    sequenceNumber: envelope.sequenceNumber ?? null,
    ...(payload === undefined ? {} : { payload }),
    hops: envelope.hops.map(toTraceHop),
    decisions: envelope.policyTrail.decisions.map(toTraceDecision),
    outcome: copyOutcome(outcome),
    traceparent: envelope.traceparent ?? null,
  };
  return trace;
}

function snapshotPayload<TMessage>(
  payload: TMessage,
  option: MessageTraceOptions<TMessage>['payload'],
): JsonValue | undefined {
  if (option === undefined || option === 'omit') return undefined;
  if (option === 'include') return toJsonValue(payload, 'options.payload');
  if (typeof option === 'function') return toJsonValue(option(payload), 'options.payload');

  throw new TypeError(
    `Invalid options.payload: ${describeValue(option)}. Use 'omit', 'include' or a function that returns what to keep.`,
  );
}

function toTraceHop(hop: MessageHop, sequence: number): TraceHop {
  return {
    sequence,
    serviceName: hop.serviceName,
    machineName: hop.machineName,
    timestamp: hop.timestamp,
    durationMs: hop.durationMs,
    executionStrategy: hop.executionStrategy,
    topic: hop.topic,
    streamKey: hop.streamKey,
    partitionIndex: hop.partitionIndex ?? null,
    sequenceNumber: hop.sequenceNumber ?? null,
    caller: resolveCallSite(hop),
  };
}

function resolveCallSite(hop: MessageHop): TraceCallSite {
  let position;
  try {
    position = hop.caller.resolve();
  } catch {
    // The trace still shows which hop lost its position: origin `unknown` with null parts.
    return UNKNOWN_CALL_SITE;
  }

  return {
    functionName: position.functionName ?? null,
    filePath: position.filePath ?? null,
    relativePath: position.relativePath ?? null,
    line: position.line ?? null,
    column: position.column ?? null,
    origin: position.origin,
  };
}

function toTraceDecision(decision: PolicyDecision, index: number): TraceDecision {
  return {
    policyName: decision.policyName,
    rule: decision.rule,
    matched: decision.matched,
    configuration: toJsonValue(decision.configuration, `envelope.policyTrail.decisions[${index}].configuration`),
    reason: decision.reason,
    timestamp: decision.timestamp,
  };
}

function copyOutcome(outcome: TraceOutcome): TraceOutcome {
  return {
    status: outcome.status,
    ...(outcome.errorName === undefined ? {} : { errorName: outcome.errorName }),
    ...(outcome.errorMessage === undefined ? {} : { errorMessage: outcome.errorMessage }),
  };
}
