import {
  parseCorrelationIdArgument,
  parseMessageIdArgument,
  parseTimeRangeArguments,
  snapshotMessageTrace,
  throwIfAborted,
  TraceStoreClosedError,
  type CorrelationId,
  type MessageId,
  type MessageTrace,
  type TraceDecision,
  type TraceStore,
} from '@whizbang/observability';

import {
  closeConnection,
  openConnection,
  runStatement,
  type Connection,
  type PostgresConnectionOptions,
} from './connection.js';
import { DEFAULT_SCHEMA, migrateSchema, quoteSchemaName } from './schema.js';
import { TRACES_COMPONENT, TRACES_TABLE } from './trace-schema.js';

/**
 * Options of {@link PostgresTraceStore}.
 *
 * @example
 * ```ts
 * const options: PostgresTraceStoreOptions = { connectionString: process.env.DATABASE_URL, schema: 'whizbang' };
 * ```
 */
export interface PostgresTraceStoreOptions extends PostgresConnectionOptions {
  /** Schema of the trace table, created when missing. Default `"whizbang"`. */
  readonly schema?: string;
}

interface TraceRow {
  readonly trace: MessageTrace;
}

interface ChainRow {
  readonly message_id: string;
  readonly trace: MessageTrace;
}

/**
 * {@link TraceStore} in PostgreSQL: traces outlive the process and every process reads the same
 * ones. Each trace is validated and stored as its exact JSON text, with its message id
 * (primary key), correlation id, causation id and timestamp in indexed columns, so every query
 * reads an index: by id, by correlation (ordered by time), by causation (the causal chain, two
 * recursive queries) and by time range.
 *
 * Storing a message id again replaces the row. The table is created and versioned on first use.
 * Calls fail with `PostgresConnectionError` or `PostgresQueryError` (nothing changed), or with
 * `SequenceOutcomeUnknownError` when a `store` lost its reply (the trace may or may not be
 * stored; storing it again is safe).
 *
 * @example
 * ```ts
 * const store = new PostgresTraceStore({ connectionString: 'postgres://app@127.0.0.1:5432/orders' });
 * await store.store(createMessageTrace(envelope, { status: 'succeeded' }));
 * const chain = await store.getCausalChain(envelope.messageId);
 * await store.close();
 * ```
 */
export class PostgresTraceStore implements TraceStore {
  readonly #connection: Connection;
  readonly #schema: string;
  readonly #table: string;
  #schemaReady: Promise<void> | undefined;
  #schemaIsReady = false;
  #closed = false;

  /**
   * Creates the store. No connection is opened until the first call.
   *
   * @throws TypeError or RangeError naming an invalid option.
   */
  constructor(options: PostgresTraceStoreOptions) {
    this.#connection = openConnection(options, 'PostgresTraceStore');
    this.#schema = options.schema ?? DEFAULT_SCHEMA;
    this.#table = `${quoteSchemaName(this.#schema)}.${TRACES_TABLE}`;
  }

  /** Stores a validated copy of `trace`, replacing any trace with the same message id. */
  async store(trace: MessageTrace, signal?: AbortSignal): Promise<void> {
    const snapshot = snapshotMessageTrace(trace, 'trace');
    await this.#begin('store', signal);

    await runStatement(
      this.#connection,
      `INSERT INTO ${this.#table} (message_id, correlation_id, causation_id, timestamp_ms, trace)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (message_id) DO UPDATE SET correlation_id = EXCLUDED.correlation_id,
         causation_id = EXCLUDED.causation_id, timestamp_ms = EXCLUDED.timestamp_ms, trace = EXCLUDED.trace`,
      [snapshot.messageId, snapshot.correlationId, snapshot.causationId, snapshot.timestamp, JSON.stringify(snapshot)],
      'write',
      signal,
    );
  }

  /** Returns the trace of `messageId`, or undefined. */
  async getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    const id = parseMessageIdArgument(messageId, 'messageId');
    await this.#begin('getByMessageId', signal);

    const rows = await this.#read<TraceRow>(`SELECT trace FROM ${this.#table} WHERE message_id = $1`, [id], signal);
    return rows[0]?.trace;
  }

  /** Returns the traces of the workflow `correlationId`, ordered by (timestamp, messageId). */
  async getByCorrelation(correlationId: CorrelationId, signal?: AbortSignal): Promise<MessageTrace[]> {
    const id = parseCorrelationIdArgument(correlationId, 'correlationId');
    await this.#begin('getByCorrelation', signal);

    const rows = await this.#read<TraceRow>(
      `SELECT trace FROM ${this.#table} WHERE correlation_id = $1 ORDER BY timestamp_ms, message_id`,
      [id],
      signal,
    );
    return rows.map((row) => row.trace);
  }

  /**
   * Returns the ancestors of `messageId` (first cause first), the message, then its descendants
   * by depth and (timestamp, messageId). Returns an empty array when the message is not stored.
   */
  async getCausalChain(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace[]> {
    const id = parseMessageIdArgument(messageId, 'messageId');
    await this.#begin('getCausalChain', signal);

    // Walks up from the message; the path array stops the walk when causation ids form a cycle.
    const upward = await this.#read<ChainRow>(
      `WITH RECURSIVE up AS (
         SELECT t.message_id, t.causation_id, 0 AS depth, ARRAY[t.message_id] AS path, t.trace
         FROM ${this.#table} t WHERE t.message_id = $1
         UNION ALL
         SELECT p.message_id, p.causation_id, up.depth + 1, up.path || p.message_id, p.trace
         FROM up JOIN ${this.#table} p ON p.message_id = up.causation_id
         WHERE NOT p.message_id = ANY(up.path)
       )
       SELECT message_id::text AS message_id, trace FROM up ORDER BY depth`,
      [id],
      signal,
    );
    const start = upward[0];
    if (start === undefined) return [];

    // Walks down breadth-first, never through the message or its ancestors (a cycle), so each
    // message appears once; rows come out by depth, then (timestamp, messageId).
    const visited = upward.map((row) => row.message_id);
    const downward = await this.#read<ChainRow>(
      `WITH RECURSIVE down AS (
         SELECT c.message_id, 1 AS depth
         FROM ${this.#table} c WHERE c.causation_id = $1 AND NOT c.message_id = ANY($2::uuid[])
         UNION ALL
         SELECT c.message_id, down.depth + 1
         FROM down JOIN ${this.#table} c ON c.causation_id = down.message_id
         WHERE NOT c.message_id = ANY($2::uuid[])
       )
       SELECT t.message_id::text AS message_id, t.trace
       FROM down JOIN ${this.#table} t ON t.message_id = down.message_id
       ORDER BY down.depth, t.timestamp_ms, t.message_id`,
      [id, visited],
      signal,
    );

    const ancestors = upward.slice(1).reverse().map((row) => row.trace);
    return [...ancestors, start.trace, ...downward.map((row) => row.trace)];
  }

  /** Returns the traces with `from <= timestamp <= to`, ordered by (timestamp, messageId). */
  async getByTimeRange(from: number | Date, to: number | Date, signal?: AbortSignal): Promise<MessageTrace[]> {
    const range = parseTimeRangeArguments(from, to);
    await this.#begin('getByTimeRange', signal);

    // TODO: a wide range returns every row in it at once; add paging before querying large tables.
    const rows = await this.#read<TraceRow>(
      `SELECT trace FROM ${this.#table} WHERE timestamp_ms BETWEEN $1 AND $2 ORDER BY timestamp_ms, message_id`,
      [range.from, range.to],
      signal,
    );
    return rows.map((row) => row.trace);
  }

  /** Returns the policy decisions of `messageId` in recorded order, or an empty array. */
  async getPolicyTrail(messageId: MessageId, signal?: AbortSignal): Promise<TraceDecision[]> {
    const trace = await this.getByMessageId(messageId, signal);
    return trace === undefined ? [] : [...trace.decisions];
  }

  /**
   * Creates or migrates the trace table now instead of on the first call.
   */
  async ensureSchema(): Promise<void> {
    await this.#ensureSchema();
  }

  /** Ends the pool if this store created it; later calls reject with `TraceStoreClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeConnection(this.#connection);
  }

  async #begin(method: string, signal: AbortSignal | undefined): Promise<void> {
    throwIfAborted(signal, 'signal');
    if (this.#closed) throw new TraceStoreClosedError(method);
    if (!this.#schemaIsReady) await this.#ensureSchema();
  }

  #read<Row>(text: string, values: unknown[], signal: AbortSignal | undefined): Promise<Row[]> {
    return runStatement<Row>(this.#connection, text, values, 'read', signal);
  }

  #ensureSchema(): Promise<void> {
    this.#schemaReady ??= migrateSchema(this.#connection, this.#schema, TRACES_COMPONENT).then(
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
