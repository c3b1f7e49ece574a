import { readFileSync } from 'node:fs';

import { Command, CommanderError } from 'commander';

import { parseCorrelationIdArgument, parseLimitOption, parseMessageIdArgument, parseTimeOption } from './arguments.js';
import { CliError, ExitCode, type ExitCodeValue } from './errors.js';
import { formatCausalChain } from './format/causal-tree.js';
import { formatTime } from './format/routing.js';
import { formatPolicyTrail, formatTraceDetails, formatTraceList } from './format/trace-details.js';
import { COLOUR_STYLE, PLAIN_STYLE, useColour, type Style } from './style.js';
import { TraceReader } from './trace-reader.js';

/** Default trace database: the file the order-flow example writes in the folder it runs in. */
export const DEFAULT_DATABASE = './whizbang-traces.db';

/** Default number of traces `trace range` prints. */
export const DEFAULT_RANGE_LIMIT = 100;

/** A stream the CLI writes to; `isTTY` decides whether it gets colour. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Output streams and environment variables of one CLI run (`process` itself in `bin.js`). */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Options every `trace` subcommand accepts. */
interface QueryOptions {
  readonly db: string;
  readonly json?: boolean;
}

/** Output helpers of one command run. */
interface Output {
  readonly style: Style;
  readonly json: boolean;
  print(text: string): void;
  note(text: string): void;
}

const VERSION = readVersion();

/**
 * Runs the `whizbang` command with `argv` (the arguments after the command name) and returns
 * the exit code (see {@link ExitCode}). Every error becomes one line on stderr: the CLI never
 * prints a stack trace unless `WHIZBANG_DEBUG=1` is set.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['trace', 'chain', messageId, '--db', 'traces.db'], process);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.OK;
  } catch (error) {
    return reportError(error, io);
  }
}

function createProgram(io: CliIo): Command {
  const program = new Command('whizbang')
    .description('Query the message traces a Whizbang application stored in SQLite.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print help')
    .helpCommand(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander's own messages ("error: unknown command 'x'") get the same prefix as ours.
      outputError: (text, write) => write(`whizbang: ${text.replace(/^error: /, '')}`),
    });

  const trace = program
    .command('trace')
    .description('show traces: one message, a workflow, a causal chain, a time range or a policy trail')
    .helpCommand(false);

  addQueryOptions(trace.command('show'))
    .description('show one message: ids, routing, outcome, hops with file:line, policy decisions')
    .argument('<messageId>', 'message id (a UUIDv7)')
    .action((messageId: string, options: QueryOptions) => {
      const id = parseMessageIdArgument(messageId);
      withReader(options, io, (reader, output) => {
        const found = reader.byMessageId(id);
        if (found === undefined) throw notFound(`No trace with message id ${id} in ${reader.path}.`);

        output.print(output.json ? toJson(found) : formatTraceDetails(found, output.style));
      });
    });

  addQueryOptions(trace.command('correlation'))
    .description('list every message of one workflow, oldest first')
    .argument('<correlationId>', 'correlation id (a UUIDv7)')
    .action((correlationId: string, options: QueryOptions) => {
      const id = parseCorrelationIdArgument(correlationId);
      withReader(options, io, (reader, output) => {
        const traces = reader.byCorrelation(id);
        if (traces.length === 0) {
          // A message id given by mistake is a common slip: name the workflow it belongs to.
          const message = reader.byMessageId(parseMessageIdArgument(id));
          const hint = message === undefined ? '' : ` ${id} is a message id; its workflow's correlation id is ${message.correlationId}.`;
          throw notFound(`No traces with correlation id ${id} in ${reader.path}.${hint}`);
        }

        output.print(output.json ? toJson(traces) : `${count(traces.length, 'message')} with correlation id ${id}\n${formatTraceList(traces, output.style)}`);
      });
    });

  addQueryOptions(trace.command('chain'))
    .description('draw the causes and effects of one message as a tree, with each hop\'s decision and file:line')
    .argument('<messageId>', 'message id (a UUIDv7)')
    .action((messageId: string, options: QueryOptions) => {
      const id = parseMessageIdArgument(messageId);
      withReader(options, io, (reader, output) => {
        const chain = reader.causalChain(id);
        if (chain.length === 0) throw notFound(`No trace with message id ${id} in ${reader.path}.`);

        if (output.json) {
          output.print(toJson(chain));
          return;
        }
        output.print(`Causal chain of ${id} (${count(chain.length, 'message')})\n${formatCausalChain(chain, { highlight: id, style: output.style })}`);
      });
    });

  addQueryOptions(trace.command('range'))
    .description('list the messages created in a time range, oldest first')
    .requiredOption('--from <time>', 'start of the range, inclusive: ISO 8601 date or date-time (2026-01-31T09:30:00Z); UTC unless it has an offset')
    .requiredOption('--to <time>', 'end of the range, inclusive: ISO 8601 date or date-time; UTC unless it has an offset')
    .option('--limit <count>', 'maximum number of traces to print; 0 prints all', String(DEFAULT_RANGE_LIMIT))
    .action((options: QueryOptions & { from: string; to: string; limit: string }) => {
      const from = parseTimeOption(options.from, '--from');
      const to = parseTimeOption(options.to, '--to');
      const limit = parseLimitOption(options.limit);
      if (from > to) {
        throw new CliError(ExitCode.USAGE, `Invalid time range: --from ${formatTime(from)} is later than --to ${formatTime(to)}. Swap the two times.`);
      }

      withReader(options, io, (reader, output) => {
        const { traces, total } = reader.byTimeRange(from, to, limit);
        if (total === 0) throw notFound(`No traces between ${formatTime(from)} and ${formatTime(to)} in ${reader.path}.`);

        output.print(output.json ? toJson(traces) : `${count(total, 'message')} between ${formatTime(from)} and ${formatTime(to)}\n${formatTraceList(traces, output.style)}`);
        if (traces.length < total) output.note(`Printed the first ${traces.length} of ${count(total, 'trace')}; pass --limit 0 to print all.`);
      });
    });

  addQueryOptions(trace.command('trail'))
    .description('list every policy evaluated for one message: matched or not, reason and configuration')
    .argument('<messageId>', 'message id (a UUIDv7)')
    .action((messageId: string, options: QueryOptions) => {
      const id = parseMessageIdArgument(messageId);
      withReader(options, io, (reader, output) => {
        const decisions = reader.policyTrail(id);
        if (decisions === undefined) throw notFound(`No trace with message id ${id} in ${reader.path}.`);

        if (output.json) {
          output.print(toJson(decisions));
          return;
        }
        const matched = decisions.filter((decision) => decision.matched).length;
        output.print(`Policy trail of ${id}: ${decisions.length} evaluated, ${matched} matched\n${formatPolicyTrail(decisions, output.style)}`);
      });
    });

  return program;
}

function addQueryOptions(command: Command): Command {
  return command
    .option('--db <path>', 'trace database file (SQLite), opened read-only', DEFAULT_DATABASE)
    .option('--json', 'print JSON in the MessageTrace shape of docs/editor-data.md instead of text');
}

/** Opens the database read-only, runs `query`, and closes the database again. */
function withReader(options: QueryOptions, io: CliIo, query: (reader: TraceReader, output: Output) => void): void {
  const json = options.json === true;
  const style = !json && useColour(io.stdout.isTTY, io.env) ? COLOUR_STYLE : PLAIN_STYLE;
  const output: Output = {
    style,
    json,
    print: (text) => io.stdout.write(`${text}\n`),
    note: (text) => io.stderr.write(`${text}\n`),
  };

  // An empty --db (a shell variable that was not set) would otherwise read as the path "".
  if (options.db.trim() === '') {
    throw new CliError(ExitCode.USAGE, `Invalid --db ${JSON.stringify(options.db)}: expected the path of a trace database file, such as ${DEFAULT_DATABASE}.`);
  }

  const reader = TraceReader.open(options.db);
  try {
    query(reader, output);
  } finally {
    reader.close();
  }
}

/** `1 message`, `2 messages`: English plural by appending `s`, enough for the nouns used here. */
function count(value: number, noun: string): string {
  return `${value} ${value === 1 ? noun : `${noun}s`}`;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function notFound(message: string): CliError {
  return new CliError(ExitCode.NOT_FOUND, message);
}

function reportError(error: unknown, io: CliIo): ExitCodeValue {
  if (error instanceof CommanderError) {
    // Commander printed its own one-line message (or the help, or the version) already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
    return ExitCode.USAGE;
  }

  if (error instanceof CliError) {
    io.stderr.write(`whizbang: ${error.message}\n`);
    return error.exitCode;
  }

  const debug = io.env['WHIZBANG_DEBUG'] === '1';
  if (isSqliteError(error)) {
    io.stderr.write(`whizbang: Reading the trace database failed: ${error.message} (${error.code}).\n`);
    if (debug) io.stderr.write(`${error.stack ?? ''}\n`);
    return ExitCode.DATABASE;
  }

  const description = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  io.stderr.write(`whizbang: unexpected error: ${description}. Set WHIZBANG_DEBUG=1 to print its stack.\n`);
  if (debug && error instanceof Error) io.stderr.write(`${error.stack ?? ''}\n`);
  return ExitCode.UNEXPECTED;
}

function isSqliteError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}
