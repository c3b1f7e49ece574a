import { SqliteBusyError } from './errors.js';

/** Retry settings of a write that finds the database locked by another connection. */
export interface BusyRetryOptions {
  /**
   * Time in milliseconds SQLite itself waits for a lock before it gives up on one attempt
   * (`PRAGMA busy_timeout`). The wait blocks the event loop, because better-sqlite3 is
   * synchronous, so keep it short and let the retries below wait asynchronously.
   */
  readonly busyTimeoutMs: number;

  /** Number of further attempts after the first one failed with `SQLITE_BUSY`. */
  readonly maxBusyRetries: number;

  /**
   * Asynchronous pause in milliseconds before the first retry. It doubles before each later
   * retry, up to {@link MAX_RETRY_DELAY_MS}.
   */
  readonly busyRetryDelayMs: number;
}

/** Maximum pause between two attempts, in milliseconds. */
export const MAX_RETRY_DELAY_MS = 1_000;

/**
 * Returns true for the errors SQLite raises when another connection holds a lock:
 * `SQLITE_BUSY` and its extended codes (`SQLITE_BUSY_RECOVERY`, `SQLITE_BUSY_SNAPSHOT`, ...).
 *
 * @internal
 */
export function isBusyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs the synchronous `operation(argument)` (one write transaction) and runs it again after an
 * asynchronous pause while it fails with `SQLITE_BUSY`, at most `maxBusyRetries` times. The
 * argument is passed through so that callers need no closure per call.
 *
 * @param describeOperation - builds the operation's name for the error; called only on failure.
 * @param signal - checked before each retry: an abort stops the retries with the signal's reason.
 * @throws SqliteBusyError when every attempt failed with `SQLITE_BUSY`.
 * @internal
 */
export async function retryOnBusy<A, T>(
  operation: (argument: A) => T,
  argument: A,
  options: BusyRetryOptions,
  describeOperation: (argument: A) => string,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return operation(argument);
    } catch (error) {
      if (!isBusyError(error)) throw error;
      if (attempt >= options.maxBusyRetries) {
        throw new SqliteBusyError(describeOperation(argument), attempt + 1, options.busyTimeoutMs, { cause: error });
      }
    }

    const pause = Math.min(options.busyRetryDelayMs * 2 ** attempt, MAX_RETRY_DELAY_MS);
    await delay(pause, signal);
  }
}

/**
 * Synchronous form of {@link retryOnBusy} for work done while a store is constructed: it retries
 * at once, because each attempt already waited `busyTimeoutMs` inside SQLite.
 *
 * @throws SqliteBusyError when every attempt failed with `SQLITE_BUSY`.
 * @internal
 */
export function retryOnBusySync<T>(operation: () => T, options: BusyRetryOptions, describeOperation: () => string): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return operation();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      if (attempt >= options.maxBusyRetries) {
        throw new SqliteBusyError(describeOperation(), attempt + 1, options.busyTimeoutMs, { cause: error });
      }
    }
  }
}

/** Resolves after `ms` milliseconds, or rejects with the signal's reason as soon as it aborts. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise((resolve) => setTimeout(resolve, ms));

  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }

    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
