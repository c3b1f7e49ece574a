import { Executor } from './executor.js';
import { resolveExecutorOptions, type ExecutorOptions } from './executor-options.js';
import { validateLimit } from './validation.js';

/** Options of {@link ParallelExecutor}. */
export interface ParallelExecutorOptions extends ExecutorOptions {
  /** Handlers that may run at once: an integer from 1, or `Infinity`. Default `Infinity`. */
  readonly maxConcurrency?: number;
}

/**
 * Runs up to `maxConcurrency` handlers at once. Handlers start in acceptance order (a freed slot
 * goes to the oldest queued message) but may finish in any order.
 *
 * @example
 * ```ts
 * const executor = new ParallelExecutor({ bulkheadName: 'emails', maxConcurrency: 20, maxQueue: 500 });
 * await executor.start();
 * await Promise.all(envelopes.map((envelope) => executor.execute(envelope, sendEmail, context)));
 * ```
 */
export class ParallelExecutor extends Executor {
  /**
   * @throws TypeError or RangeError naming the first invalid option.
   */
  constructor(options?: ParallelExecutorOptions) {
    const maxConcurrency =
      options?.maxConcurrency === undefined ? Infinity : validateLimit(options.maxConcurrency, 'maxConcurrency', 1);

    super('parallel', resolveExecutorOptions('parallel', maxConcurrency, options));
  }
}
