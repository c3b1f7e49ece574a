/**
 * Exit codes of the `whizbang` command.
 *
 * - `OK` (0): the query found what it asked for.
 * - `NOT_FOUND` (1): the query ran but found nothing (unknown id, empty time range).
 * - `USAGE` (2): the command line is invalid (malformed id or time, unknown option).
 * - `DATABASE` (3): the database cannot be read (missing file, not SQLite, no trace tables,
 *   a trace schema newer than this CLI).
 * - `UNEXPECTED` (4): any other error, which is a bug worth reporting.
 */
export const ExitCode = Object.freeze({
  OK: 0,
  NOT_FOUND: 1,
  USAGE: 2,
  DATABASE: 3,
  UNEXPECTED: 4,
} as const);

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the CLI reports as one line on stderr, with the exit code it ends with. Its message
 * states what failed and what to do next, and the CLI never prints its stack.
 *
 * @example
 * ```ts
 * throw new CliError(ExitCode.NOT_FOUND, `No trace with message id ${id} in ${path}.`);
 * ```
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
