import { closeSync, openSync, readSync, statSync } from 'node:fs';

import {
  MESSAGE_TRACE_SCHEMA_VERSION,
  type CorrelationId,
  type MessageId,
  type MessageTrace,
  type TraceDecision,
} from '@whizbang/observability';
import { SqliteSchemaVersionError, SqliteTraceReader, SqliteTraceTablesMissingError } from '@whizbang/sqlite';

import { CliError, ExitCode } from './errors.js';

// Every file written by SQLite 3 starts with these 16 bytes.
const SQLITE_HEADER = 'SQLite format 3\u0000';

/** Traces of a time range, possibly cut to a limit, with the number the range holds. */
export interface TraceRange {
  /** Traces in (timestamp, messageId) order, at most the requested limit. */
  readonly traces: MessageTrace[];

  /** Traces in the range, including those past the limit. */
  readonly total: number;
}

/**
 * Read-only access to the traces a `SqliteTraceStore` wrote to a file: a `SqliteTraceReader`
 * from `@whizbang/sqlite` whose errors are `CliError`s with the CLI's exit codes and hints. It
 * never creates, migrates or locks the file for writing, and it can read while an application
 * is still writing (the file is in WAL mode).
 *
 * The queries return what the store's own queries return, in the same order (see the
 * `TraceStore` interface in `@whizbang/observability`), but run synchronously.
 *
 * @example
 * ```ts
 * const reader = TraceReader.open('whizbang-traces.db');
 * try {
 *   console.log(reader.causalChain(messageId).map((trace) => trace.messageType));
 * } finally {
 *   reader.close();
 * }
 * ```
 */
export class TraceReader {
  /** Path of the database file, as given to {@link TraceReader.open}. */
  readonly path: string;

  readonly #reader: SqliteTraceReader;

  private constructor(path: string, reader: SqliteTraceReader) {
    this.path = path;
    this.#reader = reader;
  }

  /**
   * Opens the trace database at `path` read-only.
   *
   * @throws CliError with exit code `DATABASE` when the file is missing, is a directory, is not
   *   a SQLite database, has no Whizbang trace tables, or has a trace schema newer than this
   *   package reads. The message names the path and what to do.
   */
  static open(path: string): TraceReader {
    checkFile(path);

    try {
      return new TraceReader(path, SqliteTraceReader.open(path));
    } catch (error) {
      throw openError(error, path);
    }
  }

  /** Returns the trace of `messageId`, or undefined when the file has none. */
  byMessageId(messageId: MessageId): MessageTrace | undefined {
    const trace = this.#reader.getByMessageId(messageId);
    return trace === undefined ? undefined : checkTraceVersion(trace);
  }

  /** Returns the traces of the workflow `correlationId` in (timestamp, messageId) order. */
  byCorrelation(correlationId: CorrelationId): MessageTrace[] {
    return this.#reader.getByCorrelation(correlationId).map(checkTraceVersion);
  }

  /**
   * Returns the traces with `from <= timestamp <= to` in (timestamp, messageId) order, at most
   * `limit` of them (all when `limit` is undefined), with the count of the whole range.
   */
  byTimeRange(from: number, to: number, limit?: number): TraceRange {
    const total = this.#reader.countByTimeRange(from, to);
    const traces = this.#reader.getByTimeRange(from, to, limit).map(checkTraceVersion);
    return { traces, total };
  }

  /** Returns the policy decisions of `messageId` in recorded order, or undefined when the file has no such trace. */
  policyTrail(messageId: MessageId): TraceDecision[] | undefined {
    // The whole trace, not only its decisions, because its format version must be checked too.
    const trace = this.byMessageId(messageId);
    return trace === undefined ? undefined : (trace.decisions as TraceDecision[]);
  }

  /**
   * Returns the causal chain of `messageId`: its ancestors (first cause first), the message,
   * then its descendants by depth, each depth in (timestamp, messageId) order. Empty when the
   * message is not stored. A cycle in stored causation ids ends the walk instead of looping.
   */
  causalChain(messageId: MessageId): MessageTrace[] {
    return this.#reader.getCausalChain(messageId).map(checkTraceVersion);
  }

  /** Closes the database connection. Calling it again does nothing. */
  close(): void {
    this.#reader.close();
  }
}

function checkFile(path: string): void {
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) {
      throw new CliError(ExitCode.DATABASE, `${path} is a directory, not a trace database. Pass the database file with --db PATH.`);
    }
    size = stats.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(
        ExitCode.DATABASE,
        `No trace database at ${path}: the file does not exist. Run the example first (node scripts/demo.mjs) ` +
          'or pass the database file with --db PATH.',
      );
    }
    throw new CliError(ExitCode.DATABASE, `Cannot read ${path}: ${messageOf(error)}.`, { cause: error });
  }

  // An empty file is a valid empty SQLite database, so only a non-empty file needs the header.
  if (size > 0 && readHeader(path) !== SQLITE_HEADER) {
    throw new CliError(ExitCode.DATABASE, `${path} is not a SQLite database (it does not start with the SQLite file header). Pass a trace database with --db PATH.`);
  }
}

function readHeader(path: string): string {
  const buffer = Buffer.alloc(SQLITE_HEADER.length);
  const descriptor = openSync(path, 'r');
  try {
    const read = readSync(descriptor, buffer, 0, buffer.length, 0);
    return buffer.toString('latin1', 0, read);
  } finally {
    closeSync(descriptor);
  }
}

function openError(error: unknown, path: string): CliError {
  if (error instanceof SqliteTraceTablesMissingError) {
    return new CliError(
      ExitCode.DATABASE,
      `${path} has no Whizbang trace tables: it is a SQLite database that no SqliteTraceStore has written to. Pass a trace database with --db PATH.`,
      { cause: error },
    );
  }
  if (error instanceof SqliteSchemaVersionError) {
    return new CliError(ExitCode.DATABASE, `${error.message} Upgrade @whizbang/cli.`, { cause: error });
  }

  // better-sqlite3 reports a file it cannot open with an SQLITE_CANTOPEN code (and a missing
  // directory with a TypeError). Any other failure comes from reading the schema.
  const code = (error as { code?: unknown } | null)?.code;
  const cannotOpen = !(error instanceof Error) || error instanceof TypeError || (typeof code === 'string' && code.startsWith('SQLITE_CANTOPEN'));
  const reason = cannotOpen ? `Cannot open ${path} as a SQLite database` : `Cannot read traces from ${path}`;
  return new CliError(ExitCode.DATABASE, `${reason}: ${messageOf(error)}.`, { cause: error });
}

function checkTraceVersion(trace: MessageTrace): MessageTrace {
  const version: number = trace.schemaVersion;
  if (version !== MESSAGE_TRACE_SCHEMA_VERSION) {
    throw new CliError(
      ExitCode.DATABASE,
      `The trace of message ${trace.messageId} has trace format version ${version}, but this CLI reads version ` +
        `${MESSAGE_TRACE_SCHEMA_VERSION} only. Upgrade @whizbang/cli.`,
    );
  }
  return trace;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\.$/, '');
}
