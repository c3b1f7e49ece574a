import {
  parseStoredCounter,
  type SequenceProvider,
  validateCounterValue,
  validateStoredStreamKey,
} from '@whizbang/observability';

import {
  closeConnection,
  integerOption,
  openConnection,
  raceAbort,
  runStatement,
  type Connection,
  type PostgresConnectionOptions,
} from './connection.js';
import { DEFAULT_SCHEMA, migrateSchema, quoteSchemaName } from './schema.js';
import { SequenceBlockCache, type SequenceBlock } from './sequence-block.js';
import { SEQUENCES_COMPONENT, SEQUENCES_TABLE } from './sequence-schema.js';

/**
 * Options of {@link PostgresSequenceProvider}: the connection options plus the ones below.
 *
 * @example
 * ```ts
 * const options: PostgresSequenceProviderOptions = {
 *   connectionString: process.env.DATABASE_URL,
 *   schema: 'whizbang',
 *   blockSize: 100,
 * };
 * ```
 */
export interface PostgresSequenceProviderOptions extends PostgresConnectionOptions {
  /** Schema of the counter table, created when missing. Default `"whizbang"`. */
  readonly schema?: string;

  /**
   * Numbers allocated per round trip and stream. Default 1: every number is one statement and
   * nothing is lost when a process stops. With a larger block, one statement allocates
   * `blockSize` numbers and this instance hands them out from memory. Range 1 to 1,000,000.
   *
   * Guarantees with blocks: numbers stay unique across all processes and strictly increasing
   * within this instance, but processes interleave (one process may hand out 101 before another
   * hands out 5), and the unused rest of a block is lost (a gap) when the process stops, when
   * `reset` is called, or when the stream is evicted from the block cache.
   */
  readonly blockSize?: number;

  /**
   * Maximum number of streams whose blocks this instance keeps; the oldest is evicted beyond it.
   * Used only when `blockSize` > 1. Default 10,000. Range 1 to 10,000,000.
   */
  readonly maxCachedStreams?: number;
}

/** `Number.MAX_SAFE_INTEGER` as SQL text: the counter column is limited to it. */
const MAX_SAFE = '9007199254740991';

/**
 * {@link SequenceProvider} that keeps per-stream counters in a PostgreSQL table, so numbers
 * survive restarts and agree across processes. Each allocation is one atomic
 * `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement; with `blockSize` > 1 one statement
 * allocates a block of numbers that this instance hands out from memory.
 *
 * The table is created (and migrated, see `whizbang_schema_version`) on first use. All values are
 * statement parameters; the schema name is checked against a strict identifier pattern.
 *
 * Failures: `PostgresConnectionError` means no connection in time, and `PostgresQueryError` a
 * rejected statement. Neither changed anything. `SequenceOutcomeUnknownError` means the statement
 * was sent but no reply came, and a number it may have assigned is never handed out. Calls never
 * wait longer than `connectionTimeoutMillis` plus `queryTimeoutMillis`, except the first call of
 * an instance, which also creates the schema.
 *
 * @example
 * ```ts
 * const provider = new PostgresSequenceProvider({ connectionString: 'postgres://app@127.0.0.1:5432/orders' });
 * const first = await provider.getNext('order-42'); // 1
 * await provider.close();
 * ```
 */
export class PostgresSequenceProvider implements SequenceProvider {
  readonly name = 'postgres';

  readonly #connection: Connection;
  readonly #schema: string;
  readonly #blockSize: number;
  readonly #blocks: SequenceBlockCache | undefined;
  readonly #allocateSql: string;
  readonly #currentSql: string;
  readonly #resetSql: string;
  #schemaReady: Promise<void> | undefined;
  #schemaIsReady = false;

  /**
   * Creates the provider. No connection is opened until the first call.
   *
   * @throws TypeError or RangeError naming an invalid option.
   */
  constructor(options: PostgresSequenceProviderOptions) {
    this.#connection = openConnection(options, 'PostgresSequenceProvider');
    this.#schema = options.schema ?? DEFAULT_SCHEMA;
    const table = `${quoteSchemaName(this.#schema)}.${SEQUENCES_TABLE}`;
    this.#blockSize = integerOption(options.blockSize, 'blockSize', 1, 1, 1_000_000);
    const maxCachedStreams = integerOption(options.maxCachedStreams, 'maxCachedStreams', 10_000, 1, 10_000_000);
    this.#blocks = this.#blockSize > 1 ? new SequenceBlockCache(maxCachedStreams) : undefined;

    // The WHERE clause keeps the counter at or below MAX_SAFE_INTEGER: a full block that would pass
    // it updates nothing and returns no row, instead of storing a number JavaScript cannot hold.
    this.#allocateSql =
      `INSERT INTO ${table} AS s (stream_key, value) VALUES ($1, $2) ` +
      `ON CONFLICT (stream_key) DO UPDATE SET value = s.value + EXCLUDED.value ` +
      `WHERE s.value <= ${MAX_SAFE} - EXCLUDED.value ` +
      `RETURNING value::text AS value`;
    this.#currentSql = `SELECT value::text AS value FROM ${table} WHERE stream_key = $1`;
    this.#resetSql =
      `INSERT INTO ${table} (stream_key, value) VALUES ($1, $2) ` +
      `ON CONFLICT (stream_key) DO UPDATE SET value = EXCLUDED.value`;
  }

  /**
   * Assigns and returns the next number of `streamKey`.
   *
   * @throws TypeError or RangeError for an invalid `streamKey` (see `MAX_STREAM_KEY_BYTES`).
   * @throws RangeError when the stream has reached `Number.MAX_SAFE_INTEGER`.
   * @throws the signal's reason when `signal` aborts first.
   */
  async getNext(streamKey: string, signal?: AbortSignal): Promise<number> {
    validateStoredStreamKey(streamKey);
    signal?.throwIfAborted();
    if (!this.#schemaIsReady) await this.#ensureSchema();

    if (this.#blocks === undefined) return this.#allocate(streamKey, 1, signal);
    return this.#nextFromBlock(this.#blocks.getOrCreate(streamKey), streamKey, signal);
  }

  /**
   * Returns the last number handed out for `streamKey`, or 0 for an unknown stream. With
   * `blockSize` > 1 this is the stored counter (the end of the last block any process allocated),
   * except when this instance allocated that block: then it is the last number handed out from it.
   */
  async getCurrent(streamKey: string, signal?: AbortSignal): Promise<number> {
    validateStoredStreamKey(streamKey);
    signal?.throwIfAborted();
    if (!this.#schemaIsReady) await this.#ensureSchema();

    const rows = await runStatement<{ value: string }>(this.#connection, this.#currentSql, [streamKey], 'read', signal);
    const row = rows[0];
    const stored = row === undefined ? 0 : parseStoredCounter(row.value, streamKey);

    const block = this.#blocks?.get(streamKey);
    if (block !== undefined && block.end === stored && block.lastIssued > 0) return block.lastIssued;
    return stored;
  }

  /**
   * Sets the counter of `streamKey` so that the next `getNext` returns `newValue + 1`. Numbers
   * left in this instance's block for the stream are dropped; other processes keep handing out
   * their blocks until those run out.
   *
   * @throws TypeError or RangeError for an invalid `streamKey` or `newValue`.
   */
  async reset(streamKey: string, newValue = 0, signal?: AbortSignal): Promise<void> {
    validateStoredStreamKey(streamKey);
    validateCounterValue(newValue, 'newValue');
    signal?.throwIfAborted();
    if (!this.#schemaIsReady) await this.#ensureSchema();

    // Dropped first, so that calls after the reset allocate from the new value.
    this.#blocks?.delete(streamKey);
    await runStatement(this.#connection, this.#resetSql, [streamKey, newValue], 'write', signal);
  }

  /**
   * Creates or migrates the counter table now instead of on the first call, for example to fail
   * at startup when the database is unreachable.
   */
  async ensureSchema(): Promise<void> {
    await this.#ensureSchema();
  }

  /** Drops the cached blocks and ends the pool if this provider created it. */
  async close(): Promise<void> {
    this.#blocks?.clear();
    await closeConnection(this.#connection);
  }

  async #nextFromBlock(block: SequenceBlock, streamKey: string, signal: AbortSignal | undefined): Promise<number> {
    for (;;) {
      if (block.next <= block.end) {
        const value = block.next;
        block.next = value + 1;
        block.lastIssued = value;
        return value;
      }

      // One allocation per stream at a time: callers that find the block empty wait for it and
      // then take numbers in the order they arrived.
      block.refill ??= this.#refill(block, streamKey).finally(() => {
        block.refill = undefined;
      });
      await (signal === undefined ? block.refill : raceAbort(block.refill, signal, () => undefined));
      signal?.throwIfAborted();
    }
  }

  async #refill(block: SequenceBlock, streamKey: string): Promise<void> {
    // The refill serves every waiter, so one caller's abort must not cancel it.
    let end: number;
    try {
      end = await this.#allocate(streamKey, this.#blockSize, undefined);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      // Fewer than blockSize numbers are left below MAX_SAFE_INTEGER: take them one by one.
      end = await this.#allocate(streamKey, 1, undefined);
      block.next = end;
      block.end = end;
      return;
    }
    block.next = end - this.#blockSize + 1;
    block.end = end;
  }

  /** Allocates `count` numbers in one statement and returns the last of them. */
  async #allocate(streamKey: string, count: number, signal: AbortSignal | undefined): Promise<number> {
    const rows = await runStatement<{ value: string }>(this.#connection, this.#allocateSql, [streamKey, count], 'write', signal);
    const row = rows[0];
    if (row === undefined) {
      throw new RangeError(
        `Stream ${JSON.stringify(streamKey)} has no ${count === 1 ? 'number' : `block of ${count} numbers`} left ` +
          `below Number.MAX_SAFE_INTEGER (${MAX_SAFE}). Reset the stream or use a new stream key.`,
      );
    }
    return parseStoredCounter(row.value, streamKey);
  }

  #ensureSchema(): Promise<void> {
    this.#schemaReady ??= migrateSchema(this.#connection, this.#schema, SEQUENCES_COMPONENT).then(
      () => {
        this.#schemaIsReady = true;
      },
      (error: unknown) => {
        // The next call tries again, for example once the database is reachable.
        this.#schemaReady = undefined;
        throw error;
      },
    );
    return this.#schemaReady;
  }
}
