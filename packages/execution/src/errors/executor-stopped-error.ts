/**
 * Rejection of a call that the executor will not complete because it is stopping, stopped or
 * draining. `cause` tells why: for a message rejected by `stop()` it is the error created when
 * `stop()` was called (its stack shows the caller of `stop()`); when the signal passed to
 * `stop()` aborted, it is that signal's reason.
 *
 * @example
 * ```ts
 * try {
 *   await executor.execute(envelope, handler, context);
 * } catch (error) {
 *   if (error instanceof ExecutorStoppedError) requeueElsewhere(envelope);
 * }
 * ```
 */
export class ExecutorStoppedError extends Error {
  override readonly name = 'ExecutorStoppedError';

  /** Bulkhead name of the executor, for example `"orders"`. */
  readonly executor: string;

  constructor(executor: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.executor = executor;
  }
}
