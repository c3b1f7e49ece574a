/**
 * Thrown when a database file was written by a newer `@whizbang/sqlite` than the one opening it:
 * its schema version for `component` is higher than the newest this version supports. Opening it
 * anyway could misread or damage rows, so the store refuses before it reads or writes anything.
 *
 * @example
 * ```ts
 * try {
 *   new SqliteTraceStore({ path: 'traces.db' });
 * } catch (error) {
 *   if (error instanceof SqliteSchemaVersionError) console.error(error.message);
 * }
 * ```
 */
export class SqliteSchemaVersionError extends Error {
  override readonly name = 'SqliteSchemaVersionError';

  /**
   * @param path - database file path as given to the store.
   * @param component - schema part that is too new: `"traces"` or `"sequences"`.
   * @param foundVersion - schema version stored in the file.
   * @param supportedVersion - newest schema version this package can read and write.
   */
  constructor(
    readonly path: string,
    readonly component: string,
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      `Database ${JSON.stringify(path)} has ${component} schema version ${foundVersion}, but this ` +
        `@whizbang/sqlite supports ${component} schema versions up to ${supportedVersion}. ` +
        'A newer @whizbang/sqlite wrote this file: open it with that version or newer.',
    );
  }
}

/**
 * Thrown by `SqliteTraceReader.open` when the file is a SQLite database without Whizbang trace
 * tables: no `SqliteTraceStore` has written to it.
 *
 * @example
 * ```ts
 * try {
 *   SqliteTraceReader.open('app.db');
 * } catch (error) {
 *   if (error instanceof SqliteTraceTablesMissingError) console.error(`${error.path} holds no traces`);
 * }
 * ```
 */
export class SqliteTraceTablesMissingError extends Error {
  override readonly name = 'SqliteTraceTablesMissingError';

  /** @param path - database file path as given to the reader. */
  constructor(readonly path: string) {
    super(
      `Database ${JSON.stringify(path)} has no Whizbang trace tables: no SqliteTraceStore has written to it. ` +
        'Open the file that a SqliteTraceStore writes to.',
    );
  }
}

/**
 * Thrown when a write transaction still found the database locked by another connection after
 * every retry: each attempt waited `busyTimeoutMs` inside SQLite, and the attempts were
 * `maxBusyRetries + 1` in all. The `cause` is the last `SQLITE_BUSY` error.
 */
export class SqliteBusyError extends Error {
  override readonly name = 'SqliteBusyError';

  /**
   * @param operation - what was being written, such as `"getNext of stream \"a\""`.
   * @param attempts - number of attempts made.
   * @param busyTimeoutMs - time each attempt waited for the lock, in milliseconds.
   */
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly busyTimeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(
      `${operation} failed: the database stayed locked by another connection through ${attempts} ` +
        `attempts of up to ${busyTimeoutMs} ms each. Shorten the other writers' transactions, or ` +
        'raise busyTimeoutMs or maxBusyRetries.',
      options,
    );
  }
}

/** Thrown by calls on a store or provider after its `close()` was called. */
export class SqliteClosedError extends Error {
  override readonly name = 'SqliteClosedError';

  /**
   * @param what - the closed object, such as `"SqliteTraceStore"`.
   * @param operation - the rejected call, such as `"store"`.
   */
  constructor(what: string, operation: string) {
    super(`${what}.${operation}() was called after close(). Create a new ${what} to use the database again.`);
  }
}

/**
 * Error of a trace store whose writer could not commit a batch: the disk is full, the file is
 * read-only, or another connection kept it locked through every retry (`cause` is then a
 * {@link SqliteBusyError}). The batch stays queued: the next `flush()` (which every read runs
 * first) tries it again, and `close()` tries once more before it gives up.
 */
export class TraceWriteError extends Error {
  override readonly name = 'TraceWriteError';

  /**
   * @param queued - traces waiting to be written when the error happened.
   * @param message - what failed and what happens next.
   */
  constructor(
    readonly queued: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

