import {
  describeArgument,
  parseCorrelationIdArgument,
  parseMessageIdArgument,
  parseTimeRangeArguments,
  type CorrelationId,
  type MessageId,
  type MessageTrace,
  type TraceDecision,
} from '@whizbang/observability';
import Database from 'better-sqlite3';

import { SqliteSchemaVersionError, SqliteTraceTablesMissingError } from '../errors.js';
import type { SqliteDatabase } from '../open-database.js';
import { readSchemaVersion } from '../schema.js';
import { TraceQueries } from './trace-queries.js';
import { TRACE_SCHEMA_VERSION, TRACES_COMPONENT } from './trace-schema.js';

/**
 * Read-only access to the traces that a {@link SqliteTraceStore} wrote to a file, for tools that
 * inspect a file without writing to it, such as the `whizbang` CLI. It opens the file with
 * `readonly: true` and `fileMustExist: true`, so it never creates, migrates or locks the file
 * for writing, and it can read while an application still writes (the store keeps the file in
 * WAL mode).
 *
 * The queries return what the store's queries return, in the same order, but run synchronously
 * and read only what is committed: traces still queued in a store of another process are not
 * there yet.
 *
 * @example
 * ```ts
 * const reader = SqliteTraceReader.open('whizbang.db');
 * try {
 *   console.log(reader.getCausalChain(messageId).map((trace) => trace.messageType));
 * } finally {
 *   reader.close();
 * }
 * ```
 */
export class SqliteTraceReader {
  /** Path of the database file, as given to {@link SqliteTraceReader.open}. */
  readonly path: string;

  readonly #database: SqliteDatabase;
  readonly #queries: TraceQueries;

  private constructor(path: string, database: SqliteDatabase, queries: TraceQueries) {
    this.path = path;
    this.#database = database;
    this.#queries = queries;
  }

  /**
   * Opens the trace database at `path` read-only.
   *
   * @throws TypeError when `path` is not a non-empty string, RangeError for `":memory:"`.
   * @throws SqliteTraceTablesMissingError when the file is a SQLite database without trace tables.
   * @throws SqliteSchemaVersionError when a newer `@whizbang/sqlite` created the trace tables.
   * @throws SqliteError (from better-sqlite3) when the file is missing, cannot be opened, or is
   *   not a SQLite database.
   */
  static open(path: string): SqliteTraceReader {
    if (typeof path !== 'string' || path === '') {
      throw new TypeError(`path must be the path of a trace database file, received ${describeArgument(path)}.`);
    }
    if (path === ':memory:') {
      throw new RangeError('path must be a database file: a new in-memory database has no traces to read.');
    }

    const database = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const version = readSchemaVersion(database, TRACES_COMPONENT);
      if (version === 0) throw new SqliteTraceTablesMissingError(path);
      if (version > TRACE_SCHEMA_VERSION) {
        throw new SqliteSchemaVersionError(path, TRACES_COMPONENT, version, TRACE_SCHEMA_VERSION);
      }

      return new SqliteTraceReader(path, database, new TraceQueries(database));
    } catch (error) {
      database.close();
      throw error;
    }
  }

  /**
   * Returns the trace of `messageId`, or undefined when the file has none.
   *
   * @throws InvalidIdError (a TypeError) when `messageId` is not a UUIDv7.
   */
  getByMessageId(messageId: MessageId): MessageTrace | undefined {
    return this.#queries.byMessageId(parseMessageIdArgument(messageId, 'messageId'));
  }

  /**
   * Returns the traces of the workflow `correlationId`, ordered by (timestamp, messageId).
   *
   * @throws InvalidIdError (a TypeError) when `correlationId` is not a UUIDv7.
   */
  getByCorrelation(correlationId: CorrelationId): MessageTrace[] {
    return this.#queries.byCorrelation(parseCorrelationIdArgument(correlationId, 'correlationId'));
  }

  /**
   * Returns the ancestors of `messageId` (first cause first), the message, then its descendants
   * by depth and (timestamp, messageId). Returns an empty array when the message is not stored.
   *
   * @throws InvalidIdError (a TypeError) when `messageId` is not a UUIDv7.
   */
  getCausalChain(messageId: MessageId): MessageTrace[] {
    return this.#queries.causalChain(parseMessageIdArgument(messageId, 'messageId'));
  }

  /**
   * Returns the traces with `from <= timestamp <= to`, ordered by (timestamp, messageId): the
   * first `limit` of them, or all when `limit` is undefined. {@link countByTimeRange} counts the
   * whole range.
   *
   * @throws TypeError or RangeError when a bound is not a finite time or `from` is after `to`.
   * @throws RangeError when `limit` is not an integer from 0 to 2^31 - 1.
   */
  getByTimeRange(from: number | Date, to: number | Date, limit?: number): MessageTrace[] {
    const range = parseTimeRangeArguments(from, to);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0 && limit <= 2 ** 31 - 1)) {
      throw new RangeError(`limit must be an integer from 0 to 2147483647 or undefined (no limit), received ${describeArgument(limit)}.`);
    }
    return this.#queries.byTimeRange(range.from, range.to, limit ?? -1);
  }

  /**
   * Counts the traces with `from <= timestamp <= to`.
   *
   * @throws TypeError or RangeError when a bound is not a finite time or `from` is after `to`.
   */
  countByTimeRange(from: number | Date, to: number | Date): number {
    const range = parseTimeRangeArguments(from, to);
    return this.#queries.countTimeRange(range.from, range.to);
  }

  /**
   * Returns the policy decisions of `messageId` in recorded order, or undefined when the file
   * has no trace of it. (The store's `getPolicyTrail` returns an empty array in that case.)
   *
   * @throws InvalidIdError (a TypeError) when `messageId` is not a UUIDv7.
   */
  getPolicyTrail(messageId: MessageId): TraceDecision[] | undefined {
    return this.#queries.policyTrail(parseMessageIdArgument(messageId, 'messageId'));
  }

  /** Closes the database connection. Calling it again does nothing. */
  close(): void {
    if (this.#database.open) this.#database.close();
  }
}
