/**
 * Rejection of a call whose handler ran longer than the executor's `timeoutMs`. The handler's
 * signal is aborted with this error as its reason; a handler that ignores it keeps its slot until
 * it settles (counted as `overdue` in the metrics).
 *
 * @example
 * ```ts
 * const executor = new ParallelExecutor({ maxConcurrency: 8, timeoutMs: 5_000 });
 * // A handler still running after 5 s: its caller gets ExecutionTimeoutError (timeoutMs 5000).
 * ```
 */
export class ExecutionTimeoutError extends Error {
  override readonly name = 'ExecutionTimeoutError';

  /** Bulkhead name of the executor, for example `"orders"`. */
  readonly executor: string;

  /** Configured limit that the handler exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(executor: string, timeoutMs: number) {
    super(
      `Handler timed out after ${timeoutMs} ms (timeoutMs of executor '${executor}'); its signal was aborted. ` +
        'Raise timeoutMs if the handler needs longer.',
    );
    this.executor = executor;
    this.timeoutMs = timeoutMs;
  }
}
