import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';
import type { TestProject } from 'vitest/node';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const exampleDir = join(packageDir, '..', 'example-order-flow');

/** Files the tests query, made once per test run. */
export interface CliFixtures {
  /** Directory the CLI runs in; removed after the run. */
  readonly directory: string;

  /** Trace database written by the example on a small input. */
  readonly database: string;

  /** Orders in the small input, and how many of them have a declined card. */
  readonly orders: number;
  readonly declined: number;

  /** A text file that is not a database. */
  readonly notSqlite: string;

  /** A SQLite database without Whizbang tables. */
  readonly foreignSqlite: string;

  /** A copy of `database` whose trace schema version claims to be 999. */
  readonly newerSchema: string;

  /** The built CLI. */
  readonly bin: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cliFixtures: CliFixtures;
  }
}

const ORDERS = 40;

/**
 * Runs the built example on a small generated input to produce a real trace database, and
 * writes the broken files the error tests need.
 */
export default function setup(project: TestProject): () => void {
  const bin = join(packageDir, 'dist', 'bin.js');
  const example = join(exampleDir, 'dist', 'main.js');
  for (const file of [bin, example]) {
    if (!existsSync(file)) {
      throw new Error(`${file} is missing. Build first: npx --yes pnpm@10.34.9 exec turbo run build --filter=@whizbang/cli --filter=@whizbang/example-order-flow`);
    }
  }

  const directory = mkdtempSync(join(tmpdir(), 'whizbang-cli-'));
  const input = join(directory, 'orders.jsonl');
  run(process.execPath, [join(exampleDir, 'scripts', 'generate-orders.mjs'), '--orders', String(ORDERS), '--customers', '12', '--declined-percent', '15', '--out', input], directory);
  const declined = countDeclined(input);

  const database = join(directory, 'whizbang-traces.db');
  run(process.execPath, [example, '--input', input, '--db', database], directory);

  const notSqlite = join(directory, 'notes.txt');
  writeFileSync(notSqlite, 'These are notes, not a database.\n');

  const foreignSqlite = join(directory, 'foreign.db');
  const foreign = new Database(foreignSqlite);
  foreign.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
  foreign.close();

  const newerDirectory = join(directory, 'newer');
  mkdirSync(newerDirectory);
  const newerSchema = join(newerDirectory, 'whizbang-traces.db');
  const original = new Database(database, { readonly: true });
  original.exec(`VACUUM INTO '${newerSchema.replaceAll("'", "''")}'`);
  original.close();
  const newer = new Database(newerSchema);
  newer.prepare("UPDATE whizbang_schema SET version = 999 WHERE component = 'traces'").run();
  newer.close();

  project.provide('cliFixtures', { directory, database, orders: ORDERS, declined, notSqlite, foreignSqlite, newerSchema, bin });
  return () => rmSync(directory, { recursive: true, force: true });
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== 0) {
    throw new Error(`${args.join(' ')} failed with exit code ${String(result.status)}:\n${result.stdout}\n${result.stderr}`);
  }
}

// The example's payment gateway declines cards ending in 0002.
function countDeclined(input: string): number {
  return readFileSync(input, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"cardLast4":"0002"')).length;
}
