import { describeArgument } from '@whizbang/observability';

import {
  integerOption,
  resolveConnectionOptions,
  type ResolvedConnectionOptions,
  type SqliteConnectionOptions,
} from '../connection-options.js';

/**
 * What `store()` does when the write queue already contains `maxQueue` traces:
 * - `'wait'`: the returned promise settles once the writer has made room and the trace is
 *   queued. Callers that await `store()` slow down to the speed of the disk.
 * - `'drop'`: the promise resolves at once without storing the trace, the store's `dropped`
 *   counter goes up by one, and `onDropped` fires. Dispatch never waits for the disk.
 */
export type WhenQueueFull = 'wait' | 'drop';

/**
 * Options of `SqliteTraceStore`. Every field is optional; the defaults are listed on each field.
 *
 * @example
 * ```ts
 * const options: SqliteTraceStoreOptions = { path: 'traces.db', whenFull: 'drop', maxQueue: 50_000 };
 * ```
 */
export interface SqliteTraceStoreOptions extends SqliteConnectionOptions {
  /**
   * Maximum number of traces waiting to be written. Default 10,000, range 1 to 10,000,000. Each
   * queued trace keeps its row values (its JSON text included) in memory until its batch commits.
   */
  readonly maxQueue?: number;

  /**
   * Maximum number of traces written in one transaction. Default 500, range 1 to 100,000. A
   * batch blocks the event loop while it is written, because better-sqlite3 is synchronous. At
   * about 10 µs per trace (measured on a shared 2-core VM), 500 traces take about 5 ms.
   */
  readonly batchSize?: number;

  /** Behaviour when the queue is full; see {@link WhenQueueFull}. Default `'wait'`. */
  readonly whenFull?: WhenQueueFull;

  /**
   * Number of committed batches between two checkpoints run by the writer
   * (`PRAGMA wal_checkpoint(TRUNCATE)` that never waits for readers). Default 20, range 0 to
   * 1,000,000; 0 leaves checkpoints to SQLite's automatic ones.
   */
  readonly checkpointEveryBatches?: number;

  /**
   * `PRAGMA journal_size_limit` in bytes: after a checkpoint resets the WAL, SQLite cuts the
   * WAL file back to this size. Default 16,777,216 (16 MiB), range 0 to 2^40.
   */
  readonly journalSizeLimitBytes?: number;

  /**
   * `PRAGMA wal_autocheckpoint` in pages: a commit that leaves a WAL longer than this runs a
   * passive checkpoint. Default 1,000 (SQLite's default, 4 MiB with 4 KiB pages), range 0 to
   * 1,000,000; 0 turns the automatic checkpoint off.
   */
  readonly walAutoCheckpointPages?: number;
}

/** {@link SqliteTraceStoreOptions} with every default applied. */
export interface ResolvedTraceStoreOptions extends ResolvedConnectionOptions {
  readonly maxQueue: number;
  readonly batchSize: number;
  readonly whenFull: WhenQueueFull;
  readonly checkpointEveryBatches: number;
  readonly journalSizeLimitBytes: number;
  readonly walAutoCheckpointPages: number;
}

const OWNER = 'SqliteTraceStore';

/**
 * Applies the defaults to `options` and validates every field.
 *
 * @throws TypeError when `options` is not an object, or `path`, `synchronous` or `whenFull` is invalid.
 * @throws RangeError when a number is not an integer in its range.
 * @internal
 */
export function resolveTraceStoreOptions(options: SqliteTraceStoreOptions): ResolvedTraceStoreOptions {
  const connection = resolveConnectionOptions(options, OWNER);

  const whenFull = options.whenFull ?? 'wait';
  if (whenFull !== 'wait' && whenFull !== 'drop') {
    throw new TypeError(`${OWNER}: options.whenFull must be "wait" or "drop"; received ${describeArgument(whenFull)}.`);
  }

  return {
    ...connection,
    whenFull,
    maxQueue: integerOption(options.maxQueue, 10_000, 1, 10_000_000, 'maxQueue', OWNER),
    batchSize: integerOption(options.batchSize, 500, 1, 100_000, 'batchSize', OWNER),
    checkpointEveryBatches: integerOption(options.checkpointEveryBatches, 20, 0, 1_000_000, 'checkpointEveryBatches', OWNER),
    journalSizeLimitBytes: integerOption(options.journalSizeLimitBytes, 16 * 1024 * 1024, 0, 2 ** 40, 'journalSizeLimitBytes', OWNER),
    walAutoCheckpointPages: integerOption(options.walAutoCheckpointPages, 1_000, 0, 1_000_000, 'walAutoCheckpointPages', OWNER),
  };
}
