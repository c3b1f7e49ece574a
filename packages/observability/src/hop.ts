import type { CallSiteInfo, SourcePosition } from './caller/call-site.js';
import { callSiteFromPosition } from './caller/resolved-call-site.js';
import { beginCapture, CapturedCallSite, endCapture, UNKNOWN_CALL_SITE, type StackHolder } from './caller/stack-capture.js';
import { systemClock, type Clock } from './clock.js';
import { describeValue } from './describe-value.js';
import { performanceClock, type MonotonicClock } from './monotonic-clock.js';
import { getProcessIdentity } from './process-identity.js';

/**
 * One step of a message through a service: where it ran (service, machine, topic, stream,
 * partition), in which order (sequence number), how (execution strategy), for how long, and
 * which line of code sent it there. Hops are frozen.
 */
export interface MessageHop {
  /** Service that recorded the hop (see `getProcessIdentity`). */
  readonly serviceName: string;

  /** Machine that recorded the hop (`os.hostname()`). */
  readonly machineName: string;

  /** Wall-clock time of the hop, in milliseconds since the Unix epoch. */
  readonly timestamp: number;

  /** Topic the message was routed to. */
  readonly topic: string;

  /** Stream key the message was ordered by. */
  readonly streamKey: string;

  /** Partition the message ran on, when one was chosen. */
  readonly partitionIndex: number | undefined;

  /** Sequence number within the stream, when one was assigned. */
  readonly sequenceNumber: number | undefined;

  /** Name of the execution strategy, for example `"serial"` or `"parallel"`. */
  readonly executionStrategy: string;

  /** Code that recorded the hop; the position resolves lazily. */
  readonly caller: CallSiteInfo;

  /** Time the step took, in milliseconds, from a monotonic clock; 0 when not measured. */
  readonly durationMs: number;
}

/** Input of {@link recordHop}. */
export interface HopInit {
  /** Topic the message was routed to. */
  topic: string;

  /** Stream key the message was ordered by; may be empty. */
  streamKey: string;

  /** Partition index, a non-negative integer. Default: none. */
  partitionIndex?: number | undefined;

  /** Sequence number, a non-negative safe integer. Default: none. */
  sequenceNumber?: number | undefined;

  /** Name of the execution strategy, non-empty. */
  executionStrategy: string;

  /**
   * Time the step took, in milliseconds (finite, at least 0). Default: measured from `startedAt`
   * when given, else 0.
   */
  durationMs?: number | undefined;

  /**
   * Reading of `monotonicClock` taken when the step started; the hop's duration is the time
   * from it to now. Ignored when `durationMs` is given.
   */
  startedAt?: number | undefined;

  /** Wall clock of the hop's timestamp. Default: {@link systemClock}. */
  clock?: Clock | undefined;

  /** Clock that `startedAt` was read from. Default: {@link performanceClock} (`performance.now`). */
  monotonicClock?: MonotonicClock | undefined;
}

/**
 * JSON form of a hop, with the caller resolved to its original source position: the shape that
 * trace viewers and editor extensions read. Fields that are undefined are left out of the JSON text.
 */
export interface MessageHopJson {
  readonly serviceName: string;
  readonly machineName: string;
  readonly timestamp: number;
  readonly topic: string;
  readonly streamKey: string;
  readonly partitionIndex: number | undefined;
  readonly sequenceNumber: number | undefined;
  readonly executionStrategy: string;
  readonly durationMs: number;
  readonly caller: SourcePosition;
}

/**
 * Records a hop. When `caller` is omitted, the hop's caller is the code that called
 * `recordHop`. A library that records hops on behalf of its users passes
 * `captureCallSite(itsEntryPoint)` instead.
 *
 * The hot path reads the wall clock once and, when `startedAt` is given, the monotonic clock
 * once. It captures one stack frame and builds no strings. The service and machine names are
 * worked out once per process.
 *
 * @throws TypeError or RangeError naming the invalid field of `init`.
 *
 * @example
 * ```ts
 * const startedAt = performance.now();
 * await handler(message);
 * envelope.addHop(recordHop({ topic: 'orders', streamKey: 'order-42', partitionIndex: 3,
 *   sequenceNumber: 17, executionStrategy: 'serial', startedAt }));
 * ```
 */
export function recordHop(init: HopInit, caller?: CallSiteInfo): MessageHop {
  if (caller !== undefined) {
    if (typeof caller?.resolve !== 'function') {
      throw invalid('caller', 'a CallSiteInfo from captureCallSite() or undefined', caller, TypeError);
    }
    return createHop(init, caller);
  }

  // The capture runs here, first, and not in a helper or after createHop's validation. V8 walks
  // every frame above the captured one at about the cost of the captured frame, so capturing
  // in recordHop's own frame limits the walk to this frame and its caller's.
  const previousLimit = beginCapture();
  if (previousLimit === undefined) return createHop(init, UNKNOWN_CALL_SITE);

  const holder: StackHolder = {};
  let captured = true;
  try {
    Error.captureStackTrace(holder, recordHop);
  } catch {
    captured = false;
  } finally {
    endCapture(previousLimit);
  }
  return createHop(init, captured ? new CapturedCallSite(holder) : UNKNOWN_CALL_SITE);
}

function createHop(init: HopInit, caller: CallSiteInfo): MessageHop {
  if (typeof init !== 'object' || init === null) throw invalid('init', 'a HopInit object', init, TypeError);

  const { topic, streamKey, partitionIndex, sequenceNumber, executionStrategy, durationMs, startedAt } = init;
  if (typeof topic !== 'string' || topic === '') throw invalid('init.topic', 'a non-empty string', topic, TypeError);
  if (typeof streamKey !== 'string') throw invalid('init.streamKey', 'a string', streamKey, TypeError);
  if (partitionIndex !== undefined && !isNonNegativeInteger(partitionIndex)) {
    throw invalid('init.partitionIndex', 'a non-negative integer or undefined', partitionIndex, RangeError);
  }
  if (sequenceNumber !== undefined && !isNonNegativeInteger(sequenceNumber)) {
    throw invalid('init.sequenceNumber', 'a non-negative safe integer or undefined', sequenceNumber, RangeError);
  }
  if (typeof executionStrategy !== 'string' || executionStrategy === '') {
    throw invalid('init.executionStrategy', 'a non-empty string such as "serial"', executionStrategy, TypeError);
  }

  const identity = getProcessIdentity();
  return Object.freeze({
    serviceName: identity.serviceName,
    machineName: identity.machineName,
    timestamp: (init.clock ?? systemClock).now(),
    topic,
    streamKey,
    partitionIndex,
    sequenceNumber,
    executionStrategy,
    caller,
    durationMs: durationOf(durationMs, startedAt, init.monotonicClock),
  });
}

/**
 * Returns the JSON form of a hop with its caller resolved (see {@link MessageHopJson}).
 * Resolution reads source maps the first time a call site is seen.
 *
 * @example
 * ```ts
 * JSON.stringify(envelope.hops.map(hopToJSON));
 * ```
 */
export function hopToJSON(hop: MessageHop): MessageHopJson {
  return {
    serviceName: hop.serviceName,
    machineName: hop.machineName,
    timestamp: hop.timestamp,
    topic: hop.topic,
    streamKey: hop.streamKey,
    partitionIndex: hop.partitionIndex,
    sequenceNumber: hop.sequenceNumber,
    executionStrategy: hop.executionStrategy,
    durationMs: hop.durationMs,
    caller: hop.caller.resolve(),
  };
}

/**
 * Rebuilds a frozen hop from its JSON form, for example when a trace is read back from storage.
 * Its caller keeps the stored resolved position.
 *
 * @throws TypeError or RangeError naming the first invalid field.
 *
 * @example
 * ```ts
 * const hops = JSON.parse(row.hops).map(hopFromJSON);
 * ```
 */
export function hopFromJSON(json: unknown): MessageHop {
  if (typeof json !== 'object' || json === null) throw invalid('json', 'a hop object', json, TypeError);
  const fields = json as Record<string, unknown>;

  const text = (name: string): string => {
    const value = fields[name];
    if (typeof value !== 'string') throw invalid(`json.${name}`, 'a string', value, TypeError);
    return value;
  };
  const number = (name: string): number => {
    const value = fields[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`json.${name}`, 'a finite number', value, TypeError);
    return value;
  };
  const optionalInteger = (name: string): number | undefined => {
    const value = fields[name];
    if (value === undefined || value === null) return undefined;
    if (!isNonNegativeInteger(value)) throw invalid(`json.${name}`, 'a non-negative integer, null or undefined', value, RangeError);
    return value;
  };

  return Object.freeze({
    serviceName: text('serviceName'),
    machineName: text('machineName'),
    timestamp: number('timestamp'),
    topic: text('topic'),
    streamKey: text('streamKey'),
    partitionIndex: optionalInteger('partitionIndex'),
    sequenceNumber: optionalInteger('sequenceNumber'),
    executionStrategy: text('executionStrategy'),
    caller: callSiteFromPosition(fields['caller'] as SourcePosition),
    durationMs: number('durationMs'),
  });
}

function durationOf(durationMs: unknown, startedAt: unknown, monotonicClock: MonotonicClock | undefined): number {
  if (durationMs !== undefined) {
    if (typeof durationMs !== 'number' || !(durationMs >= 0 && durationMs !== Infinity)) {
      throw invalid('init.durationMs', 'a finite number of milliseconds, at least 0', durationMs, RangeError);
    }
    return durationMs;
  }
  if (startedAt === undefined) return 0;
  if (typeof startedAt !== 'number' || !Number.isFinite(startedAt)) {
    throw invalid('init.startedAt', 'a finite reading of the monotonic clock', startedAt, RangeError);
  }

  // A reading from another clock (Date.now by mistake) could lie in the future, so clamp to
  // keep the duration from going negative.
  return Math.max(0, (monotonicClock ?? performanceClock).now() - startedAt);
}

function isNonNegativeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function invalid(
  name: string,
  expected: string,
  value: unknown,
  ErrorType: typeof TypeError | typeof RangeError,
): Error {
  return new ErrorType(`Invalid ${name}: expected ${expected}, received ${describeValue(value)}.`);
}
