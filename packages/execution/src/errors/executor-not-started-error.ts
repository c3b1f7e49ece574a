/**
 * Rejection of `execute()` on an executor that is still `idle`: call `start()` first, or create
 * the executor with `autoStart: true`.
 *
 * @example
 * ```ts
 * const executor = new SerialExecutor();
 * await executor.execute(envelope, handler, context); // rejects with ExecutorNotStartedError
 * ```
 */
export class ExecutorNotStartedError extends Error {
  override readonly name = 'ExecutorNotStartedError';

  /** Bulkhead name of the executor, for example `"orders"`. */
  readonly executor: string;

  constructor(executor: string, message: string) {
    super(message);
    this.executor = executor;
  }
}
