import {
  describeReceivedValue,
  parseStoredCounter,
  validateCounterValue,
  validateStoredStreamKey,
} from '@whizbang/observability';

import {
  closeConnection,
  openConnection,
  runStatement,
  type Connection,
  type PostgresConnectionOptions,
} from './connection.js';
import { DEFAULT_SCHEMA, migrateSchema, quoteSchemaName } from './schema.js';
import { SEQUENCE_FLOORS_COMPONENT, SEQUENCE_FLOORS_TABLE } from './sequence-floor-schema.js';

/**
 * Options of {@link PostgresSequenceFloor}.
 *
 * @example
 * ```ts
 * const options: PostgresSequenceFloorOptions = { connectionString: process.env.DATABASE_URL, namespace: 'orders' };
 * ```
 */
export interface PostgresSequenceFloorOptions extends PostgresConnectionOptions {
  /** Schema of the floor table, created when missing. Default `"whizbang"`. */
  readonly schema?: string;

  /**
   * Name that separates the floors of different counter sets sharing one table, such as two
   * Redis deployments or key prefixes. Default `"default"`. At most 200 characters.
   */
  readonly namespace?: string;
}

/**
 * Durable floor of per-stream counters kept in PostgreSQL, for a sequence provider whose own
 * store can lose data (such as `RedisSequenceProvider` from `@whizbang/redis`).
 *
 * The floor of a stream only rises. A provider raises it before it hands out a number above it.
 * After its store lost the counter, the provider restarts the counter from the floor, so no
 * number is handed out twice. Implements the `SequenceFloor` interface of `@whizbang/redis` (this package
 * does not depend on it).
 *
 * @example
 * ```ts
 * const floor = new PostgresSequenceFloor({ connectionString: 'postgres://app@127.0.0.1:5432/orders' });
 * const previous = await floor.raise('order-42', 100); // floor is now at least 100
 * await floor.load('order-42'); // >= 100
 * ```
 */
export class PostgresSequenceFloor {
  readonly name = 'postgres';

  readonly #connection: Connection;
  readonly #schema: string;
  readonly #namespace: string;
  readonly #loadSql: string;
  readonly #raiseSql: string;
  readonly #insertSql: string;
  #schemaReady: Promise<void> | undefined;
  #schemaIsReady = false;

  /**
   * Creates the floor store. No connection is opened until the first call.
   *
   * @throws TypeError or RangeError naming an invalid option.
   */
  constructor(options: PostgresSequenceFloorOptions) {
    this.#connection = openConnection(options, 'PostgresSequenceFloor');
    this.#schema = options.schema ?? DEFAULT_SCHEMA;
    const namespace = options.namespace ?? 'default';
    if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 200) {
      throw new TypeError(`options.namespace must be a string of 1 to 200 characters, received ${describeReceivedValue(namespace)}.`);
    }
    this.#namespace = namespace;

    const table = `${quoteSchemaName(this.#schema)}.${SEQUENCE_FLOORS_TABLE}`;
    this.#loadSql = `SELECT floor::text AS floor FROM ${table} WHERE namespace = $1 AND stream_key = $2`;

    // The subquery locks the row and reads its value before the update, so concurrent raises are
    // serialised and each one returns the floor as the previous raise left it.
    this.#raiseSql =
      `UPDATE ${table} AS f SET floor = GREATEST(f.floor, $3::bigint) ` +
      `FROM (SELECT floor FROM ${table} WHERE namespace = $1 AND stream_key = $2 FOR UPDATE) AS previous ` +
      `WHERE f.namespace = $1 AND f.stream_key = $2 ` +
      `RETURNING previous.floor::text AS previous`;
    this.#insertSql =
      `INSERT INTO ${table} (namespace, stream_key, floor) VALUES ($1, $2, $3) ` +
      `ON CONFLICT (namespace, stream_key) DO NOTHING RETURNING floor`;
  }

  /**
   * Returns the floor of `streamKey`, or 0 for a stream whose floor was never raised. A provider
   * that raises the floor before handing out numbers has handed out none above it.
   */
  async load(streamKey: string, signal?: AbortSignal): Promise<number> {
    validateStoredStreamKey(streamKey);
    signal?.throwIfAborted();
    if (!this.#schemaIsReady) await this.#ensureSchema();

    const rows = await runStatement<{ floor: string }>(this.#connection, this.#loadSql, [this.#namespace, streamKey], 'read', signal);
    const row = rows[0];
    return row === undefined ? 0 : parseStoredCounter(row.floor, streamKey);
  }

  /**
   * Raises the floor of `streamKey` to `value` (a lower value leaves it unchanged) and returns
   * the floor from before this call. Concurrent raises are applied one after another, so for any
   * number `n` at most one raise returns a previous floor below `n` and leaves the floor at or above `n`.
   *
   * @throws TypeError or RangeError for an invalid `streamKey` or `value`.
   */
  async raise(streamKey: string, value: number, signal?: AbortSignal): Promise<number> {
    validateStoredStreamKey(streamKey);
    validateCounterValue(value, 'value');
    signal?.throwIfAborted();
    if (!this.#schemaIsReady) await this.#ensureSchema();

    const parameters = [this.#namespace, streamKey, value];
    for (;;) {
      const updated = await runStatement<{ previous: string }>(this.#connection, this.#raiseSql, parameters, 'write', signal);
      const row = updated[0];
      if (row !== undefined) return parseStoredCounter(row.previous, streamKey);

      // No row yet: insert it. When a concurrent raise inserted it first, update that row instead.
      const inserted = await runStatement(this.#connection, this.#insertSql, parameters, 'write', signal);
      if (inserted.length > 0) return 0;
    }
  }

  /**
   * Creates or migrates the floor table now instead of on the first call.
   */
  async ensureSchema(): Promise<void> {
    await this.#ensureSchema();
  }

  /** Ends the pool if this floor store created it. */
  async close(): Promise<void> {
    await closeConnection(this.#connection);
  }

  #ensureSchema(): Promise<void> {
    this.#schemaReady ??= migrateSchema(this.#connection, this.#schema, SEQUENCE_FLOORS_COMPONENT).then(
      () => {
        this.#schemaIsReady = true;
      },
      (error: unknown) => {
        this.#schemaReady = undefined;
        throw error;
      },
    );
    return this.#schemaReady;
  }
}
