import { Executor } from './executor.js';
import { resolveExecutorOptions, type ExecutorOptions } from './executor-options.js';

/** Options of {@link SerialExecutor}: all of {@link ExecutorOptions}; concurrency is always 1. */
export type SerialExecutorOptions = ExecutorOptions;

/**
 * Runs one handler at a time, strictly in acceptance order: a message's handler starts only after
 * the previous message's handler has settled. That includes a handler that timed out or was
 * cancelled but ignored its signal, because it keeps the only slot until it settles. Acceptance
 * order is the order of the `execute()` calls that were admitted.
 *
 * @example
 * ```ts
 * const executor = new SerialExecutor({ bulkheadName: 'orders', maxQueue: 1_000, timeoutMs: 30_000 });
 * await executor.start();
 * await executor.execute(envelope, async (env) => applyToAggregate(env.payload), context);
 * await executor.drain();
 * ```
 */
export class SerialExecutor extends Executor {
  /**
   * @throws TypeError or RangeError naming the first invalid option.
   */
  constructor(options?: SerialExecutorOptions) {
    super('serial', resolveExecutorOptions('serial', 1, options));
  }
}
