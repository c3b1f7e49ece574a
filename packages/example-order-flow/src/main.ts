#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { COLOUR_STYLE, PLAIN_STYLE, useColour } from '@whizbang/cli';

import { DatabaseFileError } from './database-report.js';
import { InputLineError, type InvalidLinePolicy } from './input.js';
import { createProgressBar } from './progress.js';
import { runOrderFlow } from './run.js';
import { formatSummary } from './summary.js';

const DEFAULT_INPUT = fileURLToPath(new URL('../data/orders.jsonl', import.meta.url));

const HELP = `Usage: whizbang-order-flow [options]

Runs an order-processing workload through Whizbang on SQLite and prints a summary.

Options:
  --input PATH              JSON Lines file of PlaceOrder commands (default: the shipped data/orders.jsonl)
  --db PATH                 SQLite file for traces and sequence numbers (default: ./whizbang-traces.db)
  --append                  keep the traces already in --db instead of starting from an empty file
  --on-invalid stop|skip    malformed input line: stop before dispatching anything (default), or skip it
  --max-in-flight COUNT     messages in flight before input dispatch waits (default: 200)
  -h, --help                print this help

Exit codes: 0 the run passed its checks, 1 a check failed or the input is malformed,
2 invalid options or files.`;

/** Exit codes of the example. */
const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions(argv);
  } catch (error) {
    // parseArgs messages end without a full stop ("Unknown option '--speed'").
    const message = (error as Error).message.replace(/([^.])$/, '$1.');
    console.error(`whizbang-order-flow: ${message} Run with --help for the options.`);
    return EXIT.USAGE;
  }
  if (values.help === true) {
    console.log(HELP);
    return EXIT.OK;
  }

  for (const option of ['input', 'db'] as const) {
    // An empty value usually comes from a shell variable that was not set.
    if (values[option].trim() === '') {
      console.error(`whizbang-order-flow: invalid --${option} ${JSON.stringify(values[option])}: expected a file path${option === 'db' ? ', such as whizbang-traces.db' : ''}.`);
      return EXIT.USAGE;
    }
  }

  const onInvalid = values['on-invalid'];
  if (onInvalid !== 'stop' && onInvalid !== 'skip') {
    console.error(`whizbang-order-flow: invalid --on-invalid ${JSON.stringify(onInvalid)}: expected "stop" or "skip".`);
    return EXIT.USAGE;
  }
  const maxInFlight = Number(values['max-in-flight']);
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > 1_000_000) {
    console.error(`whizbang-order-flow: invalid --max-in-flight ${JSON.stringify(values['max-in-flight'])}: expected a whole number from 1 to 1000000.`);
    return EXIT.USAGE;
  }

  const progress = createProgressBar(process.stdout);
  let result: Awaited<ReturnType<typeof runOrderFlow>>;
  try {
    result = await runOrderFlow({
      input: values.input,
      db: values.db,
      append: values.append === true,
      onInvalid: onInvalid satisfies InvalidLinePolicy,
      maxInFlight,
      onProgress: (state) => progress.update(state),
    });
  } catch (error) {
    progress.clear();
    return reportRunError(error, values.input);
  }
  progress.clear();

  const style = useColour(process.stdout.isTTY, process.env) ? COLOUR_STYLE : PLAIN_STYLE;
  console.log(formatSummary(result, { style, cliCommand: cliCommand() }));

  const missing = result.sent - result.database.traces;
  const passed = result.database.violations.length === 0 && missing === 0 && result.storeErrors === 0;
  if (!passed) console.error('whizbang-order-flow: the run failed its checks (see Trace store and Ordering above).');
  return passed ? EXIT.OK : EXIT.FAILED;
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      input: { type: 'string', default: DEFAULT_INPUT },
      db: { type: 'string', default: 'whizbang-traces.db' },
      append: { type: 'boolean' },
      'on-invalid': { type: 'string', default: 'stop' },
      'max-in-flight': { type: 'string', default: '200' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

function reportRunError(error: unknown, input: string): number {
  if (error instanceof InputLineError) {
    console.error(`whizbang-order-flow: ${input}, ${error.message} Nothing was dispatched. Fix the line, or pass --on-invalid skip to leave malformed lines out.`);
    return EXIT.FAILED;
  }
  if (error instanceof DatabaseFileError) {
    console.error(`whizbang-order-flow: ${error.message}`);
    return EXIT.USAGE;
  }
  const { code, path } = error as NodeJS.ErrnoException;
  const problem = code === undefined ? undefined : FILE_PROBLEMS[code];
  if (problem !== undefined) {
    // The absolute path shows which folder a relative path was resolved against.
    console.error(`whizbang-order-flow: cannot read ${resolve(path ?? input)}: ${problem} (${code}). Check --input and --db.`);
    return EXIT.USAGE;
  }
  throw error;
}

/** File errors reported as usage errors, with the words the message uses for them. */
const FILE_PROBLEMS: Readonly<Record<string, string>> = { ENOENT: 'no such file or directory', EISDIR: 'it is a directory', EACCES: 'permission denied' };

/** Returns the command that starts the CLI from the current directory, for the summary's examples. */
function cliCommand(): string {
  const bin = join(dirname(fileURLToPath(import.meta.resolve('@whizbang/cli/package.json'))), 'dist', 'bin.js');
  const shown = relative(process.cwd(), bin);
  return `node ${shown.startsWith('..') ? bin : shown}`;
}

process.exitCode = await main(process.argv.slice(2));
