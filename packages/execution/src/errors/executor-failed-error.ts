/**
 * Error of an executor whose own machinery broke (for example its hop recorder threw).
 * `completion` rejects with it, the `error` event carries it, and every later call is rejected
 * with a new instance whose `cause` is the original failure.
 *
 * @example
 * ```ts
 * executor.completion.catch((error: ExecutorFailedError) => log.error(error.cause));
 * ```
 */
export class ExecutorFailedError extends Error {
  override readonly name = 'ExecutorFailedError';

  /** Bulkhead name of the executor, for example `"orders"`. */
  readonly executor: string;

  constructor(executor: string, message: string, options: ErrorOptions) {
    super(message, options);
    this.executor = executor;
  }
}
