import type { MessageId } from '@whizbang/observability';

import { isBusyError, MAX_RETRY_DELAY_MS } from '../busy-retry.js';
import { messageOf } from '../describe-value.js';
import { SqliteBusyError, TraceWriteError } from '../errors.js';
import { EventEmitter } from '../typed-event.js';
import type { PreparedTrace } from './prepared-trace.js';
import type { TraceBatchInsert } from './trace-batch-insert.js';
import { RingQueue } from './trace-queue.js';
import type { ResolvedTraceStoreOptions } from './trace-store-options.js';
import type { TraceBatchCommittedEvent, TraceDroppedEvent, TraceWriteErrorEvent } from './trace-writer-events.js';

/** A `flush()` call waiting until `committed` reaches `target`. */
interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** A `store()` call in `'wait'` mode waiting for room in the queue. */
interface RoomWaiter {
  readonly trace: PreparedTrace;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The trace store's write side: a bounded queue drained by batches, each written in one
 * transaction from a `setImmediate` callback, so `store()` never runs SQL and the event loop
 * runs other work between two batches.
 *
 * Counters: `accepted` counts traces put on the queue and `committed` those written, both since
 * the store opened, so `accepted - committed` is the queue length and a flush waits for
 * `committed` to reach the `accepted` of its call.
 *
 * @internal
 */
export class TraceWriter {
  readonly dropped = new EventEmitter<TraceDroppedEvent>();
  readonly batchCommitted = new EventEmitter<TraceBatchCommittedEvent>();
  readonly writeFailed = new EventEmitter<TraceWriteErrorEvent>();

  readonly #options: ResolvedTraceStoreOptions;
  readonly #inserts: TraceBatchInsert;
  readonly #afterBatch: () => void;
  readonly #queue = new RingQueue<PreparedTrace>();
  readonly #roomWaiters = new Set<RoomWaiter>();
  #flushWaiters: FlushWaiter[] = [];
  #accepted = 0;
  #committed = 0;
  #droppedCount = 0;
  #busyAttempts = 0;
  // True while a setImmediate or retry timer will run #drain, so at most one is pending.
  #drainPending = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #error: TraceWriteError | undefined;
  #stopped = false;

  /** @param afterBatch - runs after each committed batch (the store's checkpoint cadence). */
  constructor(options: ResolvedTraceStoreOptions, inserts: TraceBatchInsert, afterBatch: () => void) {
    this.#options = options;
    this.#inserts = inserts;
    this.#afterBatch = afterBatch;
  }

  /** Traces waiting in the queue. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Traces dropped by `whenFull: 'drop'`. */
  get droppedCount(): number {
    return this.#droppedCount;
  }

  /** Traces committed since the store opened. */
  get committed(): number {
    return this.#committed;
  }

  /** The error of the last batch that failed, until a flush starts the writer again. */
  get error(): TraceWriteError | undefined {
    return this.#error;
  }

  /** True when every accepted trace is committed and no `store()` waits for room. */
  get idle(): boolean {
    return this.#committed === this.#accepted && this.#roomWaiters.size === 0;
  }

  /**
   * Queues a validated trace. Returns undefined when it was queued or dropped at once, or a
   * promise when it waits for room.
   */
  enqueue(trace: PreparedTrace, signal: AbortSignal | undefined): Promise<void> | undefined {
    if (this.#queue.length < this.#options.maxQueue && this.#roomWaiters.size === 0) {
      this.#push(trace);
      return undefined;
    }

    if (this.#options.whenFull === 'drop') {
      this.#droppedCount++;
      if (this.dropped.hasListeners) {
        this.dropped.emit({ messageId: trace.messageId as MessageId, dropped: this.#droppedCount, maxQueue: this.#options.maxQueue });
      }
      return undefined;
    }

    // A stopped writer makes no room, so waiting would never end.
    if (this.#error !== undefined) throw this.#error;
    return this.#waitForRoom(trace, signal);
  }

  /**
   * Resolves once every trace accepted before the call is committed. Starts a writer stopped by
   * an error again. Rejects with a {@link TraceWriteError} when a batch fails, or with the
   * signal's reason when `signal` aborts first (the traces stay queued).
   */
  flush(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.#committed === this.#accepted) return Promise.resolve();

    this.#error = undefined;
    return new Promise<void>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const waiter: FlushWaiter = {
        target: this.#accepted,
        resolve: () => {
          if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#flushWaiters.push(waiter);
      this.#scheduleDrain();

      if (signal !== undefined) {
        onAbort = () => {
          this.#flushWaiters = this.#flushWaiters.filter((candidate) => candidate !== waiter);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** Stops the writer for good: pending retries are cancelled and every waiter is rejected with `error`. */
  stop(error: Error): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#rejectWaiters(error);
  }

  #push(trace: PreparedTrace): void {
    this.#queue.push(trace);
    this.#accepted++;
    this.#scheduleDrain();
  }

  #waitForRoom(trace: PreparedTrace, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal === undefined) {
        this.#roomWaiters.add({ trace, resolve, reject });
        return;
      }

      const onAbort = (): void => {
        // The trace was never queued, so aborting leaves the store unchanged.
        this.#roomWaiters.delete(waiter);
        reject(signal.reason as Error);
      };
      const waiter: RoomWaiter = {
        trace,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#roomWaiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #scheduleDrain(): void {
    if (this.#drainPending || this.#error !== undefined || this.#stopped) return;
    this.#drainPending = true;
    setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    this.#drainPending = false;
    this.#retryTimer = undefined;
    if (this.#stopped || this.#error !== undefined) return;

    const count = Math.min(this.#queue.length, this.#options.batchSize);
    if (count === 0) return;

    try {
      this.#inserts.writeBatch(this.#queue, count);
    } catch (error) {
      this.#onBatchFailed(error, count);
      return;
    }

    this.#busyAttempts = 0;
    const messageIds = this.batchCommitted.hasListeners ? this.#messageIdsOfBatch(count) : undefined;
    this.#queue.discard(count);
    this.#committed += count;

    this.#admitRoomWaiters();
    this.#resolveFlushWaiters();
    if (messageIds !== undefined) this.batchCommitted.emit({ messageIds, queued: this.#queue.length });
    this.#afterBatch();

    if (this.#queue.length > 0) this.#scheduleDrain();
  };

  #onBatchFailed(error: unknown, count: number): void {
    if (isBusyError(error) && this.#busyAttempts < this.#options.maxBusyRetries) {
      // Wait asynchronously, so dispatch goes on while another connection holds the lock.
      const pause = Math.min(this.#options.busyRetryDelayMs * 2 ** this.#busyAttempts, MAX_RETRY_DELAY_MS);
      this.#busyAttempts++;
      this.#drainPending = true;
      this.#retryTimer = setTimeout(this.#drain, pause);
      return;
    }

    const cause = isBusyError(error)
      ? new SqliteBusyError(`Writing a batch of ${count} traces`, this.#busyAttempts + 1, this.#options.busyTimeoutMs, {
          cause: error,
        })
      : error;
    this.#busyAttempts = 0;
    const writeError = new TraceWriteError(
      this.#queue.length,
      `SqliteTraceStore could not write a batch of ${count} traces: ${messageOf(cause)}. ` +
        `The ${this.#queue.length} queued traces are kept, and the next flush() or read tries again.`,
      { cause },
    );
    this.#error = writeError;
    this.#rejectWaiters(writeError);
    this.writeFailed.emit({ error: writeError });
  }

  #messageIdsOfBatch(count: number): MessageId[] {
    const messageIds = new Array<MessageId>(count);
    for (let index = 0; index < count; index++) messageIds[index] = this.#queue.at(index).messageId as MessageId;
    return messageIds;
  }

  /** Moves waiting `store()` calls into the room the last batch made, oldest first. */
  #admitRoomWaiters(): void {
    for (const waiter of this.#roomWaiters) {
      if (this.#queue.length >= this.#options.maxQueue) return;

      this.#roomWaiters.delete(waiter);
      this.#push(waiter.trace);
      waiter.resolve();
    }
  }

  #resolveFlushWaiters(): void {
    // Targets only grow, so the waiters are in target order and the satisfied ones come first.
    let satisfied = 0;
    while (satisfied < this.#flushWaiters.length && (this.#flushWaiters[satisfied] as FlushWaiter).target <= this.#committed) {
      satisfied++;
    }
    if (satisfied === 0) return;

    const done = this.#flushWaiters.slice(0, satisfied);
    this.#flushWaiters = this.#flushWaiters.slice(satisfied);
    for (const waiter of done) waiter.resolve();
  }

  #rejectWaiters(error: Error): void {
    const flushWaiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const waiter of flushWaiters) waiter.reject(error);

    const roomWaiters = [...this.#roomWaiters];
    this.#roomWaiters.clear();
    for (const waiter of roomWaiters) waiter.reject(error);
  }
}
