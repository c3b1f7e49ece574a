import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { countDeclined, createTemporaryDirectory, generateOrders, PACKAGE_DIR, type TemporaryDirectory } from './temporary-directory.js';

const MAIN = join(PACKAGE_DIR, 'dist', 'main.js');
const CLI = join(PACKAGE_DIR, '..', 'cli', 'dist', 'bin.js');

let directory: TemporaryDirectory;
let declined: number;

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run the package's build first.`);
  directory = createTemporaryDirectory();
  declined = countDeclined(generateOrders(directory.file('orders.jsonl'), { orders: 30, customers: 8, declinedPercent: 20 }));
});

afterAll(() => directory.remove());

function runExample(args: string[], cwd = directory.path): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('whizbang-order-flow', () => {
  it('runs and prints the summary', () => {
    const run = runExample(['--input', 'orders.jsonl']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(existsSync(directory.file('whizbang-traces.db'))).toBe(true);

    const stored = 7 * 30 - 2 * declined;
    expect(run.stdout).toContain('Whizbang order flow: 30 orders from orders.jsonl');
    expect(run.stdout).toMatch(new RegExp(`Messages {5}${stored} in [\\d.]+ s \\([\\d,]+ messages/s\\)`));
    expect(run.stdout).toMatch(/Latency {6}p50 [\d.,]+ ms, p95 [\d.,]+ ms, p99 [\d.,]+ ms/);
    expect(run.stdout).toContain(`failures ${declined} (PaymentDeclinedError ${declined})`);
    expect(run.stdout).toContain(`Trace store  ${stored} of ${stored} messages stored in whizbang-traces.db`);
    expect(run.stdout).toContain('Ordering     0 violations in 31 streams');
    // No progress bar on a pipe, and no colour.
    expect(run.stdout).not.toContain('\r');
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('maps every chain hop to TypeScript', () => {
    const run = runExample(['--input', 'orders.jsonl', '--db', 'mapped.db']);
    expect(run.stdout).toContain('Example causal chain (7 messages, 7 of 7 hops mapped to .ts sources):');
    expect(run.stdout).toMatch(/hop 0: serial, [\d.]+ ms, at packages\/example-order-flow\/src\/run\.ts:\d+:\d+ \(runOrderFlow\)/);
    expect(run.stdout).toMatch(/hop 0: serial, [\d.]+ ms, at packages\/example-order-flow\/src\/handlers\.ts:\d+:\d+ \(PlaceOrder\)/);
  });

  it('prints CLI commands that work', () => {
    const run = runExample(['--input', 'orders.jsonl', '--db', 'query.db']);
    const commands = run.stdout.split('\n').filter((line) => line.startsWith('  node ')).map((line) => line.trim().replace(/\s+#.*$/, ''));
    expect(commands).toHaveLength(5);
    for (const command of commands) {
      const [, bin, ...args] = command.split(/\s+/);
      expect(bin).toBe(CLI);
      const query = spawnSync(process.execPath, [bin as string, ...args], { cwd: directory.path, encoding: 'utf8' });
      expect(query.stderr).toBe('');
      expect(query.status).toBe(0);
    }
  });

  it('stops at a malformed line', () => {
    const lines = readFileSync(directory.file('orders.jsonl'), 'utf8').split('\n');
    lines[4] = (lines[4] as string).replace('"quantity":', '"quantity":-');
    writeFileSync(directory.file('bad.jsonl'), lines.join('\n'));

    const run = runExample(['--input', 'bad.jsonl', '--db', 'bad.db']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^whizbang-order-flow: bad\.jsonl, line 5: invalid field "items\[0\]\.quantity": expected a whole number from 1 to 10000, received -\d+\. Nothing was dispatched\./);
    expect(existsSync(directory.file('bad.db'))).toBe(false);
  });

  it('skips malformed lines when asked', () => {
    const run = runExample(['--input', 'bad.jsonl', '--db', 'skip.db', '--on-invalid', 'skip']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Input        30 lines, 29 orders dispatched, 1 line skipped');
    expect(run.stdout).toContain('skipped line 5: invalid field "items[0].quantity"');
  });

  it.each([
    ['unknown option', ['--speed', 'fast'], "Unknown option '--speed'. Run with --help for the options."],
    ['empty --db', ['--db', ''], 'invalid --db "": expected a file path, such as whizbang-traces.db.'],
    ['empty --input', ['--input', ' '], 'invalid --input " ": expected a file path.'],
    ['bad --on-invalid', ['--on-invalid', 'ignore'], 'invalid --on-invalid "ignore": expected "stop" or "skip".'],
    ['bad --max-in-flight', ['--max-in-flight', '0'], 'invalid --max-in-flight "0"'],
    ['missing input', ['--input', 'missing.jsonl'], () => `cannot read ${join(realpathSync(directory.path), 'missing.jsonl')}: no such file or directory (ENOENT).`],
  ])('rejects %s', (_case, args, expected) => {
    const message = typeof expected === 'string' ? expected : expected();
    const run = runExample(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('leaves no -wal or -shm file next to the database', () => {
    const run = runExample(['--input', 'orders.jsonl', '--db', 'tidy.db']);
    expect(run.status).toBe(0);
    expect(readdirSync(directory.path).filter((name) => name.startsWith('tidy.db'))).toEqual(['tidy.db']);
  });

  it('prints no query commands for an empty input', () => {
    writeFileSync(directory.file('empty.jsonl'), '');
    const run = runExample(['--input', 'empty.jsonl', '--db', 'empty.db']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Input        0 lines, 0 orders dispatched, 0 lines skipped');
    expect(run.stdout).not.toContain('Query the traces');
  });

  it('names the stream function in the policy trail', () => {
    const run = runExample(['--input', 'orders.jsonl', '--db', 'trail.db']);
    const trail = run.stdout.split('\n').find((line) => line.includes(' trace trail '));
    const [, bin, ...args] = (trail as string).trim().split(/\s+/);
    const query = spawnSync(process.execPath, [bin as string, ...args], { cwd: directory.path, encoding: 'utf8', env: { ...process.env, NO_COLOR: '' } });
    expect(query.status).toBe(0);
    expect(query.stdout).toContain('"stream":"[function orderIdOf] (per message)"');
  });

  it('never overwrites another file', () => {
    writeFileSync(directory.file('notes.txt'), 'keep me');
    const run = runExample(['--input', 'orders.jsonl', '--db', 'notes.txt']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('notes.txt exists and is not a Whizbang trace database');
    expect(readFileSync(directory.file('notes.txt'), 'utf8')).toBe('keep me');
  });

  it('--help lists the options', () => {
    const run = runExample(['--help']);
    expect(run.status).toBe(0);
    for (const option of ['--input', '--db', '--append', '--on-invalid', '--max-in-flight']) expect(run.stdout).toContain(option);
  });
});

describe('scripts/demo.mjs', () => {
  it('runs the example in the folder it is started from, and its commands work there', () => {
    const demo = join(PACKAGE_DIR, '..', '..', 'scripts', 'demo.mjs');
    const run = spawnSync(process.execPath, [demo, '--input', 'orders.jsonl', '--db', 'demo.db'], {
      cwd: directory.path,
      encoding: 'utf8',
      // The package's build is current when its tests run: leave install and build out.
      env: { ...process.env, NO_COLOR: '', WHIZBANG_DEMO_SKIP_BUILD: '1' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(existsSync(directory.file('demo.db'))).toBe(true);

    const commands = run.stdout.split('\n').filter((line) => line.startsWith('  node ')).map((line) => line.trim().replace(/\s+#.*$/, ''));
    expect(commands).toHaveLength(6);
    expect(commands.at(-1)).toMatch(/ trace range --from \S+ --to \S+ --limit 20 --db demo\.db$/);
    for (const command of commands) {
      const query = spawnSync('bash', ['-c', command], { cwd: directory.path, encoding: 'utf8' });
      // The range command notes on stderr that it printed 20 of more traces.
      expect(query.stderr).toMatch(/^(Printed the first 20 of \d+ traces; pass --limit 0 to print all\.\n)?$/);
      expect(query.status).toBe(0);
    }
  });
});

describe('generate-orders.mjs', () => {
  it('reproduces the shipped input', () => {
    const text = generateOrders(directory.file('regenerated.jsonl'), { orders: 10_000, customers: 600, declinedPercent: 2 });
    expect(text === readFileSync(join(PACKAGE_DIR, 'data', 'orders.jsonl'), 'utf8')).toBe(true);
  });

  it('depends on the seed', () => {
    const first = generateOrders(directory.file('seed-1.jsonl'), { orders: 20, customers: 5, declinedPercent: 2, seed: 1 });
    const again = generateOrders(directory.file('seed-1b.jsonl'), { orders: 20, customers: 5, declinedPercent: 2, seed: 1 });
    const other = generateOrders(directory.file('seed-2.jsonl'), { orders: 20, customers: 5, declinedPercent: 2, seed: 2 });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });
});
