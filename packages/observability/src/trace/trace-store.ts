import type { CorrelationId, MessageId } from '../ids.js';
import type { MessageTrace, TraceDecision } from './message-trace.js';

/**
 * Storage of {@link MessageTrace} records with the queries that tools use to explain what
 * happened to a message: by id, by workflow, by cause, by time, and its policy decisions.
 *
 * Every implementation follows these rules (the testkit's `describeTraceStoreContract` checks
 * them):
 * - Methods return promises and report every error by rejecting, never by throwing.
 * - Ids are validated: an id that is not a UUIDv7 rejects with `InvalidIdError` (a TypeError)
 *   naming the argument. Time bounds that are not finite numbers or valid Dates reject with
 *   RangeError, other types with TypeError, and `from` later than `to` with RangeError.
 * - An already aborted `signal` rejects with `signal.reason` and changes nothing.
 * - A store keeps one trace per message id. Storing a trace whose message id is already stored
 *   replaces the earlier trace in every query, including when its correlation id, causation id
 *   or timestamp changed.
 * - Returned traces deep-equal the stored trace after a JSON round trip. Changing the object
 *   passed to `store` afterwards does not change what queries return.
 * - Lists are ordered by (`timestamp`, `messageId`) unless a method states otherwise. `timestamp`
 *   is the envelope's creation time, not a hop time.
 *
 * @example
 * ```ts
 * const store: TraceStore = new InMemoryTraceStore();
 * await store.store(createMessageTrace(envelope, { status: 'succeeded' }));
 * const workflow = await store.getByCorrelation(envelope.correlationId);
 * ```
 */
export interface TraceStore {
  /**
   * Stores `trace`, replacing any trace with the same message id.
   *
   * @throws TypeError (by rejecting) when `trace` is not a valid MessageTrace; the message names
   * the invalid field.
   */
  store(trace: MessageTrace, signal?: AbortSignal): Promise<void>;

  /** Returns the trace of `messageId`, or undefined when none is stored. */
  getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined>;

  /** Returns every stored trace of the workflow `correlationId`, or an empty array. */
  getByCorrelation(correlationId: CorrelationId, signal?: AbortSignal): Promise<MessageTrace[]>;

  /**
   * Returns the causal chain of `messageId` in causal order, or an empty array when the message
   * is not stored:
   * 1. its ancestors (cause, cause of the cause, ...), the first cause first;
   * 2. the message itself;
   * 3. its descendants (messages it caused, directly or not), ordered by depth below the message,
   *    then by (`timestamp`, `messageId`).
   *
   * Siblings and other branches of the workflow are not included: use `getByCorrelation` for
   * them. The walk up stops at a cause that is not stored (never stored, or evicted), and each
   * message appears once even when stored causation ids form a cycle.
   */
  getCausalChain(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace[]>;

  /**
   * Returns the traces whose `timestamp` lies in `[from, to]`, both bounds inclusive.
   * `from` and `to` are Dates or milliseconds since the Unix epoch.
   */
  getByTimeRange(from: number | Date, to: number | Date, signal?: AbortSignal): Promise<MessageTrace[]>;

  /**
   * Returns the policy decisions of `messageId` in the order they were recorded, or an empty
   * array when the message is not stored. A {@link TraceDecision} has the fields of a
   * `PolicyDecision`, with its configuration converted to JSON.
   */
  getPolicyTrail(messageId: MessageId, signal?: AbortSignal): Promise<TraceDecision[]>;

  /**
   * Releases the store's resources. Later calls reject with `TraceStoreClosedError`, and closing
   * again does nothing. Stores without resources may omit it.
   */
  close?(): Promise<void>;
}
