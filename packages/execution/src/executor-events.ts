import type { MessageEnvelope } from '@whizbang/observability';

import type { ExecutorFailedError } from './errors/executor-failed-error.js';
import type { ExecutorState } from './execution-strategy.js';

/** Payload of the `failure` event: a handler threw or rejected. */
export interface HandlerFailureEvent {
  readonly envelope: MessageEnvelope<unknown>;
  readonly error: unknown;

  /** True when the caller had already been settled (timeout, abort, stop) when the handler failed. */
  readonly overdue: boolean;
}

/** Payload of the `timeout` event: a handler ran past `timeoutMs`. */
export interface HandlerTimeoutEvent {
  readonly envelope: MessageEnvelope<unknown>;
  readonly timeoutMs: number;
}

/** Payload of the `rejected` event: a call was not admitted. */
export interface RejectionEvent {
  /** The envelope as passed to `execute()`; may be invalid when the rejection is a TypeError. */
  readonly envelope: unknown;
  readonly error: unknown;
}

/** Payload of the `stateChange` event. */
export interface StateChangeEvent {
  readonly from: ExecutorState;
  readonly to: ExecutorState;
}

/**
 * Events of an executor, by name. Register with `executor.on(name, listener)`.
 *
 * - `error`: the executor itself failed (also rejects `completion`).
 * - `failure`: a handler threw or rejected.
 * - `timeout`: a handler ran past `timeoutMs`.
 * - `rejected`: a call was rejected at admission (bulkhead full, wrong state, invalid arguments,
 *   signal already aborted).
 * - `idle`: nothing is running or queued any more.
 * - `stateChange`: the lifecycle state changed.
 *
 * @example
 * ```ts
 * executor.on('failure', ({ envelope, error }) => log.warn({ messageId: envelope.messageId, error }));
 * ```
 */
export interface ExecutorEvents {
  error: ExecutorFailedError;
  failure: HandlerFailureEvent;
  timeout: HandlerTimeoutEvent;
  rejected: RejectionEvent;
  idle: undefined;
  stateChange: StateChangeEvent;
}
