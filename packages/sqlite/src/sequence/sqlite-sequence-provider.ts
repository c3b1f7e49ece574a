import { describeArgument, type SequenceProvider } from '@whizbang/observability';
import type { Statement, Transaction } from 'better-sqlite3';

import { retryOnBusy, retryOnBusySync } from '../busy-retry.js';
import { resolveConnectionOptions, type ResolvedConnectionOptions, type SqliteConnectionOptions } from '../connection-options.js';
import { SqliteClosedError } from '../errors.js';
import { openDatabase, type SqliteDatabase } from '../open-database.js';
import { migrateSchema } from '../schema.js';
import { encodeText } from '../sqlite-text.js';
import { SEQUENCE_MIGRATIONS, SEQUENCES_COMPONENT, SEQUENCES_TABLE } from './sequence-schema.js';

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** Options of {@link SqliteSequenceProvider}: the connection options, all optional. */
export type SqliteSequenceProviderOptions = SqliteConnectionOptions;

/** A `RETURNING` or `SELECT` row with the counter read as a BigInt (`safeIntegers`). */
interface CounterRow {
  last_value: bigint;
}

/**
 * A {@link SequenceProvider} that keeps one counter row per stream in a SQLite file, so several
 * processes on one machine can share the streams of one file.
 *
 * Each `getNext` is one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` in a `BEGIN IMMEDIATE`
 * transaction: the transaction takes the write lock before it reads, so two connections can
 * never read the same counter value. A locked database is retried as the connection options
 * describe, and fails with a `SqliteBusyError` when the retries run out.
 *
 * Counters are read as BigInt and checked against `Number.MAX_SAFE_INTEGER`: a `getNext` that
 * would pass it rejects with a `RangeError` and rolls back, so no rounded duplicate is handed out.
 * Stream keys are stored verbatim, including quotes, semicolons, newlines, NUL and lone surrogates.
 *
 * better-sqlite3 is synchronous: each call blocks the event loop for one short transaction
 * (about 20 µs on a local disk with no other writer) and its promise is already settled when
 * it is returned, unless the database was locked and a retry is pending.
 *
 * @example
 * ```ts
 * const sequences = new SqliteSequenceProvider({ path: 'whizbang.db' });
 * const first = await sequences.getNext('order-42'); // 1
 * sequences.close();
 * ```
 */
export class SqliteSequenceProvider implements SequenceProvider {
  /** Name shown in decision trails and explain output. */
  readonly name = 'sqlite';

  readonly #options: ResolvedConnectionOptions;
  readonly #database: SqliteDatabase;
  readonly #next: Transaction<(key: string | Buffer) => number>;
  readonly #reset: Transaction<(key: string | Buffer, value: number) => void>;
  readonly #current: Statement<[string | Buffer], CounterRow>;
  #closed = false;

  /**
   * Opens (and creates when missing) the database file and the counter table.
   *
   * @throws TypeError or RangeError when an option is invalid.
   * @throws SqliteSchemaVersionError when a newer `@whizbang/sqlite` created the file's tables.
   * @throws SqliteBusyError when another connection kept the file locked through every retry.
   */
  constructor(options: SqliteSequenceProviderOptions = {}) {
    this.#options = resolveConnectionOptions(options, 'SqliteSequenceProvider');
    const path = this.#options.path;
    this.#database = retryOnBusySync(() => openDatabase(this.#options), this.#options, () => `Opening ${path}`);

    try {
      const migrate = this.#database.transaction(() =>
        migrateSchema(this.#database, path, SEQUENCES_COMPONENT, SEQUENCE_MIGRATIONS),
      );
      retryOnBusySync(() => migrate.immediate(), this.#options, () => `Creating the sequence table in ${path}`);
    } catch (error) {
      this.#database.close();
      throw error;
    }

    const increment = this.#database
      .prepare<[string | Buffer], CounterRow>(
        `INSERT INTO ${SEQUENCES_TABLE} (stream_key, last_value) VALUES (?, 1) ` +
          'ON CONFLICT (stream_key) DO UPDATE SET last_value = last_value + 1 RETURNING last_value',
      )
      .safeIntegers(true);
    const assign = this.#database.prepare<[string | Buffer, number]>(
      `INSERT INTO ${SEQUENCES_TABLE} (stream_key, last_value) VALUES (?, ?) ` +
        'ON CONFLICT (stream_key) DO UPDATE SET last_value = excluded.last_value',
    );
    this.#current = this.#database
      .prepare<[string | Buffer], CounterRow>(`SELECT last_value FROM ${SEQUENCES_TABLE} WHERE stream_key = ?`)
      .safeIntegers(true);

    this.#next = this.#database.transaction((key: string | Buffer): number => {
      const value = (increment.get(key) as CounterRow).last_value;

      // Throwing inside the transaction rolls the increment back, so the counter stays at
      // MAX_SAFE_INTEGER and every later call fails the same way instead of skipping numbers.
      if (value > MAX_SAFE_BIGINT) {
        throw new RangeError(
          `SqliteSequenceProvider.getNext: the next number of this stream would be ${value}, which is above ` +
            `Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER}) and cannot be returned exactly. ` +
            'Reset the stream or start a new stream key.',
        );
      }

      return Number(value);
    });
    this.#reset = this.#database.transaction((key: string | Buffer, value: number): void => {
      assign.run(key, value);
    });
  }

  /**
   * Assigns and returns the next number of `streamKey`: 1 for a new stream.
   *
   * @throws TypeError when `streamKey` is not a non-empty string.
   * @throws RangeError when the number would pass `Number.MAX_SAFE_INTEGER`.
   * @throws SqliteBusyError when the database stayed locked through every retry.
   * @throws the signal's reason when `signal` aborted before the number was assigned.
   */
  async getNext(streamKey: string, signal?: AbortSignal): Promise<number> {
    const key = this.#prepareCall(streamKey, 'getNext', signal);
    return retryOnBusy(this.#runNext, key, this.#options, describeGetNext, signal);
  }

  /**
   * Returns the last number handed out for `streamKey`, 0 when none was.
   *
   * @throws TypeError when `streamKey` is not a non-empty string.
   * @throws RangeError when the stored counter is above `Number.MAX_SAFE_INTEGER` (only possible
   *   when something else wrote the table).
   */
  async getCurrent(streamKey: string, signal?: AbortSignal): Promise<number> {
    const key = this.#prepareCall(streamKey, 'getCurrent', signal);
    return retryOnBusy(this.#readCurrent, key, this.#options, describeGetCurrent, signal);
  }

  /**
   * Sets the last handed-out number of `streamKey` to `newValue` (default 0), so the next
   * `getNext` returns `newValue + 1`. Meant for tests and administration: resetting a live
   * stream backwards lets numbers repeat.
   *
   * @throws TypeError when `streamKey` is not a non-empty string or `newValue` is not a number.
   * @throws RangeError when `newValue` is not an integer from 0 to `Number.MAX_SAFE_INTEGER`.
   */
  async reset(streamKey: string, newValue = 0, signal?: AbortSignal): Promise<void> {
    if (typeof newValue !== 'number') {
      throw new TypeError(
        `SqliteSequenceProvider.reset: newValue must be a number; received ${describeArgument(newValue)}. ` +
          'Pass an integer from 0 to Number.MAX_SAFE_INTEGER.',
      );
    }
    if (!Number.isSafeInteger(newValue) || newValue < 0) {
      throw new RangeError(
        `SqliteSequenceProvider.reset: newValue must be an integer from 0 to Number.MAX_SAFE_INTEGER; ` +
          `received ${describeArgument(newValue)}.`,
      );
    }

    const key = this.#prepareCall(streamKey, 'reset', signal);
    await retryOnBusy(this.#runReset, { key, value: newValue }, this.#options, describeReset, signal);
  }

  /**
   * Closes the database connection. Later calls reject with a `SqliteClosedError`; calling
   * `close` again does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#database.close();
  }

  /** Validates a call's arguments and state, and returns the stored form of the key. */
  #prepareCall(streamKey: unknown, operation: string, signal: AbortSignal | undefined): string | Buffer {
    if (typeof streamKey !== 'string' || streamKey === '') {
      throw new TypeError(
        `SqliteSequenceProvider.${operation}: streamKey must be a non-empty string; received ` +
          `${describeArgument(streamKey)}. Pass the key of the stream, for example "order-42".`,
      );
    }
    if (this.#closed) throw new SqliteClosedError('SqliteSequenceProvider', operation);
    signal?.throwIfAborted();

    return encodeText(streamKey);
  }

  // Arrow properties, so retryOnBusy can call them with no closure created per call.
  readonly #runNext = (key: string | Buffer): number => {
    this.#throwIfClosed('getNext');
    return this.#next.immediate(key);
  };

  readonly #readCurrent = (key: string | Buffer): number => {
    this.#throwIfClosed('getCurrent');
    const row = this.#current.get(key);
    if (row === undefined) return 0;

    if (row.last_value > MAX_SAFE_BIGINT) {
      throw new RangeError(
        `SqliteSequenceProvider.getCurrent: the stored number of this stream is ${row.last_value}, which is above ` +
          `Number.MAX_SAFE_INTEGER and cannot be returned exactly. Reset the stream.`,
      );
    }
    return Number(row.last_value);
  };

  readonly #runReset = (call: { key: string | Buffer; value: number }): void => {
    this.#throwIfClosed('reset');
    this.#reset.immediate(call.key, call.value);
  };

  // A retry can wake up after close(): report that instead of better-sqlite3's generic error.
  #throwIfClosed(operation: string): void {
    if (this.#closed) throw new SqliteClosedError('SqliteSequenceProvider', operation);
  }
}

function describeGetNext(): string {
  return 'SqliteSequenceProvider.getNext';
}

function describeGetCurrent(): string {
  return 'SqliteSequenceProvider.getCurrent';
}

function describeReset(): string {
  return 'SqliteSequenceProvider.reset';
}
