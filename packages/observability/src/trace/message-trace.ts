import type { SourceOrigin } from '../caller/call-site.js';
import type { CausationId, CorrelationId, MessageId } from '../ids.js';
import type { JsonValue } from './json-value.js';

/** Version of the {@link MessageTrace} JSON shape. A reader should reject a version it does not know. */
export const MESSAGE_TRACE_SCHEMA_VERSION = 1;

/**
 * Final status of the handling of a message:
 * - `succeeded`: the handler completed.
 * - `failed`: the handler threw or rejected.
 * - `rejected`: a policy, bulkhead or queue refused the message before its handler ran.
 * - `timed-out`: the handler did not finish within its timeout.
 * - `cancelled`: an abort signal stopped the handling.
 */
export type TraceOutcomeStatus = 'succeeded' | 'failed' | 'rejected' | 'timed-out' | 'cancelled';

/** Every {@link TraceOutcomeStatus}, in the order listed there. */
export const TRACE_OUTCOME_STATUSES: readonly TraceOutcomeStatus[] = Object.freeze([
  'succeeded',
  'failed',
  'rejected',
  'timed-out',
  'cancelled',
]);

/**
 * Final status of one message. `errorName` and `errorMessage` describe the error of an
 * unsuccessful outcome and are absent on `succeeded`.
 *
 * @example
 * ```ts
 * const outcome: TraceOutcome = { status: 'failed', errorName: 'TypeError', errorMessage: 'total is missing' };
 * ```
 */
export interface TraceOutcome {
  readonly status: TraceOutcomeStatus;
  readonly errorName?: string;
  readonly errorMessage?: string;
}

/**
 * Source position of the code that recorded a hop, with `null` for each part that could not be
 * found. `line` and `column` are 1-based.
 */
export interface TraceCallSite {
  /** Function name, or `null` for anonymous code and top-level module code. */
  readonly functionName: string | null;

  /** Absolute file system path of the file (never a `file://` URL), or `null` when unknown. */
  readonly filePath: string | null;

  /**
   * The same file relative to the source root, with `/` separators (for example
   * `src/orders.ts`), so positions recorded on different machines compare equal. `null` when no
   * source root contains the file; see `setSourceRoot`.
   */
  readonly relativePath: string | null;

  /** 1-based line number. */
  readonly line: number | null;

  /** 1-based column number. */
  readonly column: number | null;

  /**
   * Source of the position: `source-map` (mapped back to the original source),
   * `compiled` (the JavaScript file that ran) or `unknown` (no position was captured).
   */
  readonly origin: SourceOrigin;
}

/** One hop of a trace: a step of the message through a service, with its routing and call site. */
export interface TraceHop {
  /**
   * 0-based position of the hop in the order it was recorded. Hops are ordered by this number,
   * never by `timestamp`, because wall clocks of different machines (or one clock being
   * corrected) can step backwards and one millisecond can hold several hops.
   */
  readonly sequence: number;

  /** Service that recorded the hop. */
  readonly serviceName: string;

  /** Host name of the machine that recorded the hop. */
  readonly machineName: string;

  /** Wall-clock time of the hop in milliseconds since the Unix epoch. */
  readonly timestamp: number;

  /** Time the hop took, in milliseconds. */
  readonly durationMs: number;

  /** Name of the execution strategy that ran the message, such as `serial` or `parallel`. */
  readonly executionStrategy: string;

  /** Topic the message was routed to at this hop. */
  readonly topic: string;

  /** Stream key the message was routed to at this hop. */
  readonly streamKey: string;

  /** Partition index, or `null` when no partition was assigned. */
  readonly partitionIndex: number | null;

  /** Sequence number within the stream, or `null` when none was assigned. */
  readonly sequenceNumber: number | null;

  /** Code that recorded the hop. */
  readonly caller: TraceCallSite;
}

/** One policy decision of a trace, in the order it was recorded. */
export interface TraceDecision {
  /** Name of the policy that was evaluated. */
  readonly policyName: string;

  /** Rule of the policy that was evaluated. */
  readonly rule: string;

  /** Whether the rule matched the message. */
  readonly matched: boolean;

  /** Configuration the policy applied, converted to JSON (functions become `"[Function name]"`). */
  readonly configuration: JsonValue;

  /** Human-readable reason for the decision. */
  readonly reason: string;

  /** Wall-clock time of the decision in milliseconds since the Unix epoch. */
  readonly timestamp: number;
}

/**
 * A plain, JSON-serialisable record of one message after it was handled: its ids, routing,
 * hops, policy decisions and outcome. `JSON.parse(JSON.stringify(trace))` deep-equals the trace,
 * which is why absent values are `null` instead of `undefined`.
 *
 * Build one with `createMessageTrace`. Trace stores index it by `messageId`, `correlationId`,
 * `causationId` and `timestamp`.
 *
 * @example
 * ```ts
 * const trace = createMessageTrace(envelope, { status: 'succeeded' });
 * await store.store(trace);
 * ```
 */
export interface MessageTrace {
  /** Version of this shape, currently {@link MESSAGE_TRACE_SCHEMA_VERSION}. */
  readonly schemaVersion: typeof MESSAGE_TRACE_SCHEMA_VERSION;

  /** Id of the message. A store keeps one trace per message id. */
  readonly messageId: MessageId;

  /** Id shared by every message of the same workflow. */
  readonly correlationId: CorrelationId;

  /** Message id of the message that caused this one, or `null` for the first message of a workflow. */
  readonly causationId: CausationId | null;

  /** Message type name. */
  readonly messageType: string;

  /**
   * Wall-clock time the envelope was created, in milliseconds since the Unix epoch. Stores index
   * and order traces by this time, and time-range queries compare against it (not against hop
   * times), so a trace is found under one fixed time even when its hops' clocks disagree.
   */
  readonly timestamp: number;

  /** Topic assigned by the policies, or `null` when the message was never routed. */
  readonly topic: string | null;

  /** Stream key assigned by the policies, or `null` when the message was never routed. */
  readonly streamKey: string | null;

  /** Partition index assigned by the policies, or `null`. */
  readonly partitionIndex: number | null;

  /** Sequence number within the stream, or `null`. */
  readonly sequenceNumber: number | null;

  /** Message payload converted to JSON, present only when the trace was created with a payload option. */
  readonly payload?: JsonValue;

  /** Hops in recorded order: `hops[i].sequence === i`. */
  readonly hops: readonly TraceHop[];

  /** Policy decisions in recorded order. */
  readonly decisions: readonly TraceDecision[];

  /** Final status of the handling, with the error of an unsuccessful one. */
  readonly outcome: TraceOutcome;

  /** W3C `traceparent` header of the message, or `null`. */
  readonly traceparent: string | null;
}
