import type { MessageEnvelope, PolicyContext } from '@whizbang/observability';
import type { Observable } from 'rxjs';

import type { ExecutionMetrics } from './execution-metrics.js';

/**
 * Function that handles one message. An executor calls it with the message's envelope, the
 * policy context and an `AbortSignal` that aborts when the handler should give up: its timeout
 * fired, its caller's signal aborted, or the executor is stopping or has failed. A handler that
 * ignores the signal keeps its execution slot until it settles.
 *
 * @example
 * ```ts
 * const handler: Handler<OrderPlaced, void> = async (envelope, context, signal) => {
 *   await saveOrder(envelope.payload, { signal });
 * };
 * ```
 */
export type Handler<TMessage, TResult> = (
  envelope: MessageEnvelope<TMessage>,
  context: PolicyContext<TMessage>,
  signal: AbortSignal,
) => PromiseLike<TResult> | TResult;

/**
 * Lifecycle state of an executor.
 *
 * - `idle`: created, not started; `execute` rejects until `start()` (unless `autoStart` is set).
 * - `running`: accepts and runs messages.
 * - `draining`: accepts nothing new and runs what it already accepted; then becomes `stopped`.
 * - `stopped`: accepts nothing; terminal.
 * - `failed`: the executor's own machinery broke; accepts nothing; terminal.
 */
export type ExecutorState = 'idle' | 'running' | 'draining' | 'stopped' | 'failed';

/** A handler that was still running when `stop()` returned. */
export interface UnfinishedExecution {
  /** Envelope of the message whose handler was still running. */
  readonly envelope: MessageEnvelope;

  /**
   * Milliseconds the handler had been running when `stop()` returned. For a handler whose start
   * was not timed (no timeout, no hops, no `measureDurations` and no metrics subscriber when it
   * started), the time since `stop()` was called, which is a lower bound.
   */
  readonly runningForMs: number;

  /**
   * True when the handler's caller had already been settled (by a timeout, the caller's own
   * signal or the executor's failure) before `stop()` was called, so only its slot was left.
   */
  readonly overdue: boolean;
}

/** Result of `stop()`: what the stop did and what it left unfinished. */
export interface StopReport {
  /** Queued messages whose callers were rejected with `ExecutorStoppedError`; they never ran. */
  readonly rejectedQueued: number;

  /** Running handlers whose signal `stop()` aborted. */
  readonly abortedRunning: number;

  /**
   * Handlers still running when `stop()` returned, because the signal passed to `stop()` aborted
   * first. Their callers were rejected with `ExecutorStoppedError`; the handlers themselves may
   * still finish later, and their results are then discarded.
   */
  readonly unfinished: readonly UnfinishedExecution[];
}

/**
 * Runs message handlers under a concurrency policy, with a lifecycle and periodic metrics.
 * Implemented by `SerialExecutor` (one at a time, in acceptance order) and `ParallelExecutor`
 * (up to `maxConcurrency` at once).
 *
 * @example
 * ```ts
 * const executor: ExecutionStrategy = new SerialExecutor();
 * await executor.start();
 * const total = await executor.execute(envelope, (env) => env.payload.amount * 2, context);
 * await executor.drain();
 * ```
 */
export interface ExecutionStrategy {
  /** Strategy name recorded in each hop, for example `"serial"` or `"parallel"`. */
  readonly name: string;

  /** Current lifecycle state. */
  readonly state: ExecutorState;

  /**
   * Runs `handler` for `envelope` once a slot is free and resolves with the handler's result.
   * Rejects with the handler's error, `ExecutionTimeoutError`, `BulkheadRejectedError`,
   * `ExecutorStoppedError`, `ExecutorFailedError`, `ExecutorNotStartedError`, or `signal.reason`
   * when `signal` aborts first.
   */
  execute<TMessage, TResult>(
    envelope: MessageEnvelope<TMessage>,
    handler: Handler<TMessage, TResult>,
    context: PolicyContext<TMessage>,
    signal?: AbortSignal,
  ): Promise<TResult>;

  /** Moves the executor from `idle` to `running`. */
  start(signal?: AbortSignal): Promise<void>;

  /**
   * Stops at once: rejects queued callers, aborts running handlers' signals and waits for them to
   * settle, or until `signal` aborts, then resolves with a report of what was left unfinished.
   */
  stop(signal?: AbortSignal): Promise<StopReport>;

  /** Stops admitting messages, waits until everything accepted has settled, then stops. */
  drain(signal?: AbortSignal): Promise<void>;

  /** Periodic metrics snapshots, plus a final one when the executor stops or fails. */
  readonly metrics: Observable<ExecutionMetrics>;

  /** Resolves when the executor has stopped; rejects with `ExecutorFailedError` when it fails. */
  readonly completion: Promise<void>;
}
