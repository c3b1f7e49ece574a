import { BulkheadRejectedError } from './errors/bulkhead-rejected-error.js';
import { ExecutionList } from './execution-list.js';
import { validateLimit, validateName } from './validation.js';

/** Limits of a {@link Bulkhead}. */
export interface BulkheadOptions {
  /** Name shown in errors and metrics, for example `"orders"`. Non-empty. */
  readonly name: string;

  /** Handlers that may run at once: an integer from 1, or `Infinity`. */
  readonly maxConcurrency: number;

  /** Messages that may wait for a slot: an integer from 0, or `Infinity`. */
  readonly maxQueue: number;
}

/**
 * Slot and queue accounting of one executor: at most `maxConcurrency` handlers hold a slot, at
 * most `maxQueue` messages wait in FIFO order, and a message that finds both full is rejected
 * with {@link BulkheadRejectedError}. The executor moves executions in and out; the bulkhead
 * only counts and orders them.
 *
 * @example
 * ```ts
 * const executor = new ParallelExecutor({ bulkheadName: 'orders', maxConcurrency: 10, maxQueue: 50 });
 * ```
 */
export class Bulkhead {
  readonly name: string;
  readonly maxConcurrency: number;
  readonly maxQueue: number;

  /** Slots held: running handlers, including overdue ones. */
  inFlight = 0;

  /** Messages waiting for a slot, oldest first. */
  readonly waiting = new ExecutionList();

  /**
   * @throws TypeError when `name` is not a non-empty string.
   * @throws RangeError when a limit is out of range.
   */
  constructor(options: BulkheadOptions) {
    this.name = validateName(options.name, 'bulkheadName');
    this.maxConcurrency = validateLimit(options.maxConcurrency, 'maxConcurrency', 1);
    this.maxQueue = validateLimit(options.maxQueue, 'maxQueue', 0);
  }

  /**
   * True when a newly submitted message may run at once: a slot is free and nobody is queued
   * (queued messages go first, so a newcomer never overtakes them).
   */
  canRunNow(): boolean {
    return this.inFlight < this.maxConcurrency && this.waiting.length === 0;
  }

  /** True when a newly submitted message may wait in the queue. */
  canQueue(): boolean {
    return this.waiting.length < this.maxQueue;
  }

  /** Creates the error for a message that found both the slots and the queue full. */
  createRejectedError(): BulkheadRejectedError {
    return new BulkheadRejectedError(this.name, this.maxConcurrency, this.maxQueue);
  }
}
