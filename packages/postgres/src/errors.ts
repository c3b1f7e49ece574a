/**
 * Failure to reach PostgreSQL: no connection could be opened or taken from the pool within
 * `connectionTimeoutMillis`, or the server refused it. No statement was sent, so nothing changed.
 *
 * The message names the server by its redacted connection string (password replaced by `***`);
 * the driver error is kept as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await provider.getNext('order-42');
 * } catch (error) {
 *   if (error instanceof PostgresConnectionError) console.error(error.endpoint, error.message);
 * }
 * ```
 */
export class PostgresConnectionError extends Error {
  override readonly name = 'PostgresConnectionError';

  /** Connection string of the server, with its password replaced by `***`. */
  readonly endpoint: string;

  constructor(message: string, endpoint: string, options?: ErrorOptions) {
    super(message, options);
    this.endpoint = endpoint;
  }
}

/**
 * A statement that PostgreSQL ran and rejected (it returned an SQLSTATE error such as a statement
 * timeout). The statement's transaction was rolled back, so nothing changed.
 *
 * @example
 * ```ts
 * if (error instanceof PostgresQueryError && error.sqlState === '57014') console.warn('statement timed out');
 * ```
 */
export class PostgresQueryError extends Error {
  override readonly name = 'PostgresQueryError';

  /** Connection string of the server, with its password replaced by `***`. */
  readonly endpoint: string;

  /** Five-character SQLSTATE code returned by the server, such as `57014` for a cancelled statement. */
  readonly sqlState: string | undefined;

  constructor(message: string, endpoint: string, sqlState: string | undefined, options?: ErrorOptions) {
    super(message, options);
    this.endpoint = endpoint;
    this.sqlState = sqlState;
  }
}

/**
 * The schema in the database was created by a newer version of this package than the one
 * running, so this version cannot safely read or write it.
 */
export class PostgresSchemaVersionError extends Error {
  override readonly name = 'PostgresSchemaVersionError';
}
