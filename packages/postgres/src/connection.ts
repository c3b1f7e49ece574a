import { describeReceivedValue, SequenceOutcomeUnknownError } from '@whizbang/observability';
import pg from 'pg';

import { PostgresConnectionError, PostgresQueryError } from './errors.js';
import { describeEndpoint } from './redact.js';

/**
 * Connection settings of a PostgreSQL store. Give either `connectionString` (the store creates and owns a
 * pool, and `close()` ends it) or `pool` (an existing `pg.Pool`, which `close()` leaves open).
 *
 * @example
 * ```ts
 * const options: PostgresConnectionOptions = {
 *   connectionString: 'postgres://app@127.0.0.1:5432/orders',
 *   connectionTimeoutMillis: 2_000,
 * };
 * ```
 */
export interface PostgresConnectionOptions {
  /** Connection URL or libpq key/value string. Its password never appears in errors. */
  readonly connectionString?: string;

  /**
   * Existing pool to use instead of `connectionString`. Its own timeouts apply, so create it with
   * `connectionTimeoutMillis` and `query_timeout` set: without them a call can wait forever.
   */
  readonly pool?: pg.Pool;

  /** Maximum wait for a connection from the pool, in milliseconds. Default 5,000. Range 1 to 600,000. */
  readonly connectionTimeoutMillis?: number;

  /**
   * Server-side limit for one statement (`statement_timeout`), in milliseconds. Default 5,000.
   * Range 1 to 600,000. A statement stopped by it is rolled back and fails with
   * `PostgresQueryError` (SQLSTATE `57014`).
   */
  readonly statementTimeoutMillis?: number;

  /**
   * Client-side limit for one round trip (`query_timeout`), in milliseconds, which also catches a
   * server that stopped responding. Default 10,000, at least `statementTimeoutMillis`. Range 1 to
   * 600,000.
   */
  readonly queryTimeoutMillis?: number;

  /** Maximum number of pooled connections. Default 10. Range 1 to 1,000. */
  readonly maxConnections?: number;

  /**
   * Called with errors that no caller receives: an idle pooled connection that the server closed.
   * The pool drops such a connection and opens a new one when needed. Default: ignore them.
   */
  readonly onError?: (error: Error) => void;
}

/** A pool together with the description of its server used in error messages. */
export interface Connection {
  readonly pool: pg.Pool;
  readonly endpoint: string;
  readonly ownsPool: boolean;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONNECTIONS = 10;
const MAX_TIMEOUT_MS = 600_000;

/**
 * Opens (lazily: `pg.Pool` connects on the first query) the pool described by `options`.
 *
 * @throws TypeError or RangeError naming the invalid option.
 */
export function openConnection(options: PostgresConnectionOptions, owner: string): Connection {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner} options must be an object, received ${describeReceivedValue(options)}.`);
  }

  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError(`options.onError must be a function, received ${describeReceivedValue(onError)}.`);
  }

  if (options.pool !== undefined) {
    if (!(options.pool instanceof pg.Pool)) {
      throw new TypeError(`options.pool must be a pg.Pool, received ${describeReceivedValue(options.pool)}.`);
    }
    if (options.connectionString !== undefined) {
      throw new TypeError('Pass either options.pool or options.connectionString, not both.');
    }
    return { pool: options.pool, endpoint: describeEndpoint(options.pool.options), ownsPool: false };
  }

  if (typeof options.connectionString !== 'string' || options.connectionString === '') {
    throw new TypeError(
      `options.connectionString must be a non-empty string such as "postgres://app@127.0.0.1:5432/orders", ` +
        `received ${options.connectionString === undefined ? 'undefined' : 'another value'}. Or pass options.pool.`,
    );
  }

  const connectionTimeoutMillis = timeoutOption(options.connectionTimeoutMillis, 'connectionTimeoutMillis', DEFAULT_CONNECTION_TIMEOUT_MS);
  const statementTimeoutMillis = timeoutOption(options.statementTimeoutMillis, 'statementTimeoutMillis', DEFAULT_STATEMENT_TIMEOUT_MS);
  const queryTimeoutMillis = timeoutOption(
    options.queryTimeoutMillis,
    'queryTimeoutMillis',
    Math.max(DEFAULT_QUERY_TIMEOUT_MS, statementTimeoutMillis),
  );
  if (queryTimeoutMillis < statementTimeoutMillis) {
    throw new RangeError(
      `options.queryTimeoutMillis (${queryTimeoutMillis}) must be at least options.statementTimeoutMillis ` +
        `(${statementTimeoutMillis}), so that the server stops a slow statement before the client gives up on it.`,
    );
  }
  const max = integerOption(options.maxConnections, 'maxConnections', DEFAULT_MAX_CONNECTIONS, 1, 1_000);

  const pool = new pg.Pool({
    connectionString: options.connectionString,
    connectionTimeoutMillis,
    statement_timeout: statementTimeoutMillis,
    query_timeout: queryTimeoutMillis,
    max,
    keepAlive: true,
    application_name: 'whizbang',
  });
  const endpoint = describeEndpoint({ connectionString: options.connectionString });

  // Without a listener, an idle connection closed by the server would crash the process.
  pool.on('error', (error) => onError?.(wrapIdleError(error, endpoint)));
  return { pool, endpoint, ownsPool: true };
}

function wrapIdleError(error: Error, endpoint: string): PostgresConnectionError {
  return new PostgresConnectionError(`An idle connection to PostgreSQL at ${endpoint} failed: ${error.message}`, endpoint, {
    cause: error,
  });
}

function timeoutOption(value: unknown, name: string, fallback: number): number {
  return integerOption(value, name, fallback, 1, MAX_TIMEOUT_MS);
}

/** Reads an optional integer option within [min, max]. */
export function integerOption(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`options.${name} must be an integer from ${min} to ${max}, received ${describeReceivedValue(value)}.`);
  }
  return value;
}

/** What a statement does, which decides how a lost reply is reported. */
export type StatementKind = 'read' | 'write';

/**
 * Runs one parameterised statement on a pooled connection and returns its rows.
 *
 * Abort: a signal aborted before the connection is taken rejects with its reason and sends
 * nothing. An abort while the statement runs also rejects at once with the reason, but the
 * statement may still complete on the server (its result is then discarded).
 *
 * @throws PostgresConnectionError when no connection is available in time (nothing was sent).
 * @throws PostgresQueryError when the server rejected the statement (nothing changed).
 * @throws SequenceOutcomeUnknownError when a `write` statement was sent and no reply came.
 */
export async function runStatement<Row>(
  connection: Connection,
  text: string,
  values: readonly unknown[],
  kind: StatementKind,
  signal: AbortSignal | undefined,
): Promise<Row[]> {
  signal?.throwIfAborted();
  const client = await acquire(connection, signal);

  let released = false;
  const release = (error?: Error): void => {
    if (released) return;
    released = true;
    client.release(error);
  };

  const query = client.query<Row & pg.QueryResultRow>(text, values as unknown[]);
  try {
    const result = signal === undefined ? await query : await raceAbort(query, signal, () => undefined);
    release();
    return result.rows;
  } catch (error) {
    if (signal?.aborted === true && error === signal.reason) {
      // The statement still runs: the connection goes back to the pool when it settles, and is
      // dropped if it failed.
      query.then(
        () => release(),
        (queryError: unknown) => release(queryError instanceof Error ? queryError : new Error(String(queryError))),
      );
      throw error;
    }

    const wrapped = wrapStatementError(error, connection.endpoint, kind);
    // After a connection-level failure the connection is unusable, so the pool must drop it.
    release(wrapped instanceof PostgresQueryError ? undefined : wrapped);
    throw wrapped;
  }
}

// Clients that already have an error listener. A checked-out client has no listener from the pool,
// and a connection failure between two statements would otherwise be an uncaught exception.
const clientsWithListener = new WeakSet<pg.PoolClient>();

function ignoreClientError(): void {
  // The failure also rejects the statement that runs or the next one, and that caller reports it.
}

async function acquire(connection: Connection, signal: AbortSignal | undefined): Promise<pg.PoolClient> {
  const pending = connection.pool.connect();
  try {
    const client = signal === undefined ? await pending : await raceAbort(pending, signal, (late) => late.release());
    if (!clientsWithListener.has(client)) {
      clientsWithListener.add(client);
      client.on('error', ignoreClientError);
    }
    return client;
  } catch (error) {
    if (signal?.aborted === true && error === signal.reason) throw error;
    throw new PostgresConnectionError(
      `Could not connect to PostgreSQL at ${connection.endpoint}: ${messageOf(error)}. ` +
        'Check that the server is running and the connection string is right.',
      connection.endpoint,
      { cause: error },
    );
  }
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts. A value that
 * arrives after the abort is handed to `discard` so that nothing leaks.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, discard: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // The signal's reason and the promise's error are passed on as they are, whatever their type.
    /* eslint-disable @typescript-eslint/prefer-promise-reject-errors */
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });

    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) discard(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
    /* eslint-enable @typescript-eslint/prefer-promise-reject-errors */
  });
}

// SQLSTATE classes after which the server may have committed the statement without the client
// seeing the reply: connection exceptions (08) and operator intervention (57P01 admin shutdown,
// 57P02 crash shutdown, 57P03 cannot connect now).
const CONNECTION_LOST_STATES = /^(08|57P0[1-3])/;

function wrapStatementError(error: unknown, endpoint: string, kind: StatementKind): Error {
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined && !CONNECTION_LOST_STATES.test(sqlState)) {
    return new PostgresQueryError(
      `PostgreSQL at ${endpoint} rejected the statement (SQLSTATE ${sqlState}): ${messageOf(error)}`,
      endpoint,
      sqlState,
      { cause: error },
    );
  }

  if (kind === 'write') {
    return new SequenceOutcomeUnknownError(
      `The connection to PostgreSQL at ${endpoint} failed before the reply arrived (${messageOf(error)}), ` +
        'so it is unknown whether the change was applied. No number was handed out; retry to take a new one.',
      endpoint,
      { cause: error },
    );
  }
  return new PostgresConnectionError(`The connection to PostgreSQL at ${endpoint} failed: ${messageOf(error)}`, endpoint, {
    cause: error,
  });
}

function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof pg.DatabaseError && typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code)) {
    return error.code;
  }
  return undefined;
}

/** Returns the message of an error, or its text for a non-error value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Ends the pool when the store created it. */
export async function closeConnection(connection: Connection): Promise<void> {
  if (connection.ownsPool && !connection.pool.ended) await connection.pool.end();
}
