import { describeArgument } from '@whizbang/observability';

import { MAX_RETRY_DELAY_MS, type BusyRetryOptions } from './busy-retry.js';

/**
 * Options shared by every class that opens a database file. Every field is optional; the
 * defaults are listed on each field.
 *
 * @example
 * ```ts
 * const options: SqliteConnectionOptions = { path: 'whizbang.db', busyTimeoutMs: 100 };
 * ```
 */
export interface SqliteConnectionOptions {
  /**
   * Database file, created when missing. `":memory:"` (the default) opens a private in-memory
   * database that disappears on close and cannot be shared between connections.
   */
  readonly path?: string;

  /**
   * Time in milliseconds one attempt of a write waits inside SQLite for a lock held by another
   * connection (`PRAGMA busy_timeout`). Default 250, range 0 to 60,000. The wait blocks the event
   * loop, because better-sqlite3 is synchronous, which is why the default is short and further
   * waiting happens asynchronously between retries.
   */
  readonly busyTimeoutMs?: number;

  /**
   * Number of further attempts of a write after one failed with `SQLITE_BUSY`. Default 10,
   * range 0 to 1,000. When all fail, the write fails with a `SqliteBusyError`.
   */
  readonly maxBusyRetries?: number;

  /**
   * Asynchronous pause in milliseconds before the first retry, doubled before each later one
   * and capped at 1,000. Default 10, range 0 to 1,000.
   */
  readonly busyRetryDelayMs?: number;

  /**
   * `PRAGMA synchronous` in WAL mode. `"normal"` (the default) never loses a committed
   * transaction when the process crashes, but can lose the last transactions when the machine
   * loses power. `"full"` also survives power loss, at the cost of one fsync per commit.
   */
  readonly synchronous?: 'normal' | 'full';
}

/** {@link SqliteConnectionOptions} with every default applied. */
export interface ResolvedConnectionOptions extends BusyRetryOptions {
  readonly path: string;
  readonly synchronous: 'normal' | 'full';
}

/**
 * Applies the defaults to `options` and validates every field.
 *
 * @param owner - class name used in error messages, such as `"SqliteTraceStore"`.
 * @throws TypeError when `options` is not an object, `path` is not a non-empty string or
 *   `synchronous` is unknown.
 * @throws RangeError when a number is not an integer in its range.
 * @internal
 */
export function resolveConnectionOptions(options: SqliteConnectionOptions, owner: string): ResolvedConnectionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner}: options must be an object; received ${describeArgument(options)}.`);
  }

  const path = options.path ?? ':memory:';
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(
      `${owner}: options.path must be a non-empty file path or ":memory:"; received ${describeArgument(path)}.`,
    );
  }

  const synchronous = options.synchronous ?? 'normal';
  if (synchronous !== 'normal' && synchronous !== 'full') {
    throw new TypeError(
      `${owner}: options.synchronous must be "normal" or "full"; received ${describeArgument(synchronous)}.`,
    );
  }

  return {
    path,
    synchronous,
    busyTimeoutMs: integerOption(options.busyTimeoutMs, 250, 0, 60_000, 'busyTimeoutMs', owner),
    maxBusyRetries: integerOption(options.maxBusyRetries, 10, 0, 1_000, 'maxBusyRetries', owner),
    busyRetryDelayMs: integerOption(options.busyRetryDelayMs, 10, 0, MAX_RETRY_DELAY_MS, 'busyRetryDelayMs', owner),
  };
}

/**
 * Returns `value`, or `fallback` when it is undefined, after checking that it is an integer in
 * `[min, max]`.
 *
 * @throws RangeError naming `owner`, the option and the received value.
 * @internal
 */
export function integerOption(
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  name: string,
  owner: string,
): number {
  if (value === undefined) return fallback;

  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${owner}: options.${name} must be an integer from ${min} to ${max}; received ${describeArgument(value)}. ` +
        `Leave it out to use the default, ${fallback}.`,
    );
  }

  return value;
}
