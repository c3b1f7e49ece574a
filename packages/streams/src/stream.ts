import type { ExecutionStrategy, Handler } from '@whizbang/execution';
import type { MessageEnvelope, PolicyContext } from '@whizbang/observability';

/**
 * The execution lane of one topic partition. A lane runs the messages of many stream keys on
 * its own {@link ExecutionStrategy} and guarantees that the messages of one stream key run one
 * at a time, in the order they entered the lane, whatever the strategy's concurrency.
 *
 * The stream registry creates lanes on first use; `InMemoryStream` is the implementation.
 *
 * @example
 * ```ts
 * const lane = registry.get('orders', 2);
 * console.log(lane?.name, lane?.pendingCount, lane?.activeStreamKeys);
 * ```
 */
export interface Stream {
  /** Topic of the lane. */
  readonly topic: string;

  /** Partition of the lane, from 0. */
  readonly partitionIndex: number;

  /** `"<topic>#<partition>"`, the executor's bulkhead name. */
  readonly name: string;

  /** Strategy that runs the lane's handlers. */
  readonly strategy: ExecutionStrategy;

  /** Messages accepted and not yet settled, including those held back behind their stream's running message. */
  readonly pendingCount: number;

  /** Stream keys that have a message running or held back (0 for serial lanes, which keep no per-key state). */
  readonly activeStreamKeys: number;

  /**
   * Runs `handler` for `envelope` after every earlier message of the envelope's stream key has
   * settled, and resolves with the handler's result. The envelope's routing must be set.
   *
   * Rejects with the errors of `ExecutionStrategy.execute`, with `signal.reason` when `signal`
   * aborts while the message is held back, and with `ExecutorStoppedError` after `close()`.
   */
  run<TMessage, TResult>(
    envelope: MessageEnvelope<TMessage>,
    handler: Handler<TMessage, TResult>,
    context: PolicyContext<TMessage>,
    signal?: AbortSignal,
  ): Promise<TResult>;

  /** Resolves once no message is pending (at once when the lane is idle). The lane stays open. */
  whenIdle(): Promise<void>;

  /**
   * Accepts nothing more, waits until every pending message settled, then drains and stops the
   * strategy. When `signal` aborts first, it stops the strategy at once (aborting running
   * handlers, rejecting queued messages) and rejects with `signal.reason`.
   */
  close(signal?: AbortSignal): Promise<void>;
}
