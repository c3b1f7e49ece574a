import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import { createMessageId, MESSAGE_TRACE_SCHEMA_VERSION, type MessageTrace } from '@whizbang/observability';
import { SqliteTraceStore } from '@whizbang/sqlite';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { runBuilt, runInProcess, type CliRun } from './run-cli.js';

const fixtures = inject('cliFixtures');

// Ids of real messages in the example's database.
interface Ids {
  readonly root: string;
  readonly correlation: string;
  readonly paymentCharged: string;
  readonly failedRoot: string;
  readonly failedStockReserved: string;
  readonly first: number;
  readonly last: number;
  readonly total: number;

  /** A time at which exactly one message was created. */
  readonly lonely: number;
}

let ids: Ids;
let reference: SqliteTraceStore;

beforeAll(() => {
  const database = new Database(fixtures.database, { readonly: true });
  try {
    const root = database
      .prepare("SELECT message_id, correlation_id FROM whizbang_traces WHERE message_type = 'PlaceOrder' AND stream_key = 'order-000001'")
      .get() as { message_id: string; correlation_id: string };
    const charged = database
      .prepare("SELECT message_id FROM whizbang_traces WHERE message_type = 'PaymentCharged' AND correlation_id = ?")
      .get(root.correlation_id) as { message_id: string };
    const failed = database
      .prepare("SELECT message_id, correlation_id FROM whizbang_traces WHERE outcome_status = 'failed' ORDER BY timestamp LIMIT 1")
      .get() as { message_id: string; correlation_id: string };
    const failedRoot = database
      .prepare('SELECT message_id FROM whizbang_traces WHERE correlation_id = ? AND causation_id IS NULL')
      .get(failed.correlation_id) as { message_id: string };
    const range = database.prepare('SELECT min(timestamp) AS first, max(timestamp) AS last, count(*) AS total FROM whizbang_traces').get() as {
      first: number;
      last: number;
      total: number;
    };
    const lonely = database.prepare('SELECT timestamp FROM whizbang_traces GROUP BY timestamp HAVING count(*) = 1 LIMIT 1').get() as { timestamp: number };
    ids = {
      lonely: lonely.timestamp,
      root: root.message_id,
      correlation: root.correlation_id,
      paymentCharged: charged.message_id,
      failedRoot: failedRoot.message_id,
      failedStockReserved: failed.message_id,
      ...range,
    };
  } finally {
    database.close();
  }

  // The reader under test is the CLI's. A SqliteTraceStore on a copy of the file returns the
  // expected results.
  const copy = join(fixtures.directory, 'reference-cli-test.db');
  copyFileSync(fixtures.database, copy);
  reference = new SqliteTraceStore({ path: copy });
});

afterAll(async () => {
  await reference.close();
});

const iso = (milliseconds: number): string => new Date(milliseconds).toISOString();

function expectOneLineError(run: CliRun, status: number, text: string): void {
  expect(run.status).toBe(status);
  expect(run.stdout).toBe('');
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toContain(text);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe.each([
  ['built CLI', (args: string[]) => Promise.resolve(runBuilt(args))],
  ['runCli', (args: string[]) => runInProcess(args)],
] as const)('whizbang trace (%s)', (_name, whizbang) => {
  const db = ['--db', fixtures.database];

  it('show prints routing, hops and decisions', async () => {
    const run = await whizbang(['trace', 'show', ids.root, ...db]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`PlaceOrder ${ids.root}`);
    expect(run.stdout).toContain(`correlation  ${ids.correlation}`);
    expect(run.stdout).toContain('routing      orders/order-000001 #1 p');
    expect(run.stdout).toContain('outcome      succeeded');
    expect(run.stdout).toMatch(/at packages\/example-order-flow\/src\/run\.ts:\d+:\d+ \(runOrderFlow\)/);
    expect(run.stdout).toContain("rule           (ctx) => ctx.matchesAggregate('Order')");
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('show --json prints the stored MessageTrace', async () => {
    const run = await whizbang(['trace', 'show', ids.root, '--json', ...db]);
    expect(run.status).toBe(0);
    const trace = JSON.parse(run.stdout) as MessageTrace;
    expect(trace).toEqual(await reference.getByMessageId(ids.root as MessageTrace['messageId']));
    expect(Object.keys(trace)).toEqual([
      'schemaVersion', 'messageId', 'correlationId', 'causationId', 'messageType', 'timestamp', 'topic',
      'streamKey', 'partitionIndex', 'sequenceNumber', 'hops', 'decisions', 'outcome', 'traceparent',
    ]);
    expect(trace.schemaVersion).toBe(MESSAGE_TRACE_SCHEMA_VERSION);
    expect(trace.hops.map((hop) => hop.sequence)).toEqual(trace.hops.map((_, index) => index));
    expect(trace.hops[0]?.caller.origin).toBe('source-map');
    expect(trace.hops[0]?.caller.relativePath).toBe('packages/example-order-flow/src/run.ts');
  });

  it('correlation lists the whole workflow', async () => {
    const run = await whizbang(['trace', 'correlation', ids.correlation, ...db]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`7 messages with correlation id ${ids.correlation}`);
    expect(lines).toHaveLength(8);
    for (const type of ['PlaceOrder', 'StockReserved', 'PaymentCharged', 'OrderShipped', 'OrderViewUpdate']) {
      expect(run.stdout).toContain(type);
    }
  });

  it('correlation --json equals getByCorrelation', async () => {
    const run = await whizbang(['trace', 'correlation', ids.correlation, '--json', ...db]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(await reference.getByCorrelation(ids.correlation as MessageTrace['correlationId']));
  });

  it('correlation names the workflow of a message id', async () => {
    const run = await whizbang(['trace', 'correlation', ids.root, ...db]);
    expectOneLineError(run, 1, `${ids.root} is a message id; its workflow's correlation id is ${ids.correlation}.`);
  });

  it('chain draws causes and effects', async () => {
    const run = await whizbang(['trace', 'chain', ids.paymentCharged, ...db]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Causal chain of ${ids.paymentCharged} (6 messages)`);
    expect(lines[1]).toMatch(new RegExp(`^PlaceOrder ${ids.root}  orders/order-000001 #1 p\\d  succeeded$`));
    expect(run.stdout).toMatch(/└─ StockReserved \S+ {2}orders\/order-000001 #2 p\d {2}succeeded/);
    expect(run.stdout).toMatch(/└─ PaymentCharged \S+ {2}orders\/order-000001 #3 p\d {2}succeeded {2}◀/);
    expect(run.stdout).toMatch(/├─ OrderViewUpdate \S+ {2}projections\/order-views #\d+ p\d {2}succeeded/);
    expect(run.stdout).toMatch(/└─ OrderShipped \S+ {2}orders\/order-000001 #4 p\d {2}succeeded/);
    expect(run.stdout).toContain("policy orders matched: (ctx) => ctx.matchesAggregate('Order') (predicate returned true)");
    expect(run.stdout).toContain("policy projections matched: (ctx) => ctx.messageType === 'OrderViewUpdate'");
    expect(run.stdout).toMatch(/hop 0: serial, [\d.]+ ms, at packages\/example-order-flow\/src\/handlers\.ts:\d+:\d+ \(StockReserved\)/);
    expect(run.stdout).toMatch(/hop 0: parallel, [\d.]+ ms, at packages\/example-order-flow\/src\/handlers\.ts:\d+:\d+ \(PaymentCharged\)/);
    expect(run.stdout).not.toContain('unknown position');
  });

  it('chain shows a failed payment', async () => {
    const run = await whizbang(['trace', 'chain', ids.failedRoot, ...db]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/StockReserved \S+ {2}orders\/order-\d+ #2 p\d {2}failed \(PaymentDeclinedError: Payment of [\d.]+ \w+ for order-\d+ failed: card ending 0002 was declined\.\)/);
    expect(run.stdout).toMatch(/PaymentFailed \S+ {2}orders\/order-\d+ #3 p\d {2}succeeded/);
    expect(run.stdout).not.toContain('PaymentCharged');
  });

  it('chain --json equals getCausalChain', async () => {
    const run = await whizbang(['trace', 'chain', ids.root, '--json', ...db]);
    expect(run.status).toBe(0);
    const chain = JSON.parse(run.stdout) as MessageTrace[];
    expect(chain).toEqual(await reference.getCausalChain(ids.root as MessageTrace['messageId']));
    expect(chain).toHaveLength(7);
  });

  it('range lists traces in order', async () => {
    const run = await whizbang(['trace', 'range', '--from', iso(ids.first), '--to', iso(ids.last), '--limit', '0', ...db]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${ids.total} messages between ${iso(ids.first)} and ${iso(ids.last)}`);
    expect(lines).toHaveLength(ids.total + 1);
    const times = lines.slice(1).map((line) => line.slice(0, 24));
    expect(times).toEqual([...times].sort());
  });

  it('range --limit cuts and says so', async () => {
    const run = await whizbang(['trace', 'range', '--from', iso(ids.first), '--to', iso(ids.last), '--limit', '2', '--json', ...db]);
    expect(run.status).toBe(0);
    const traces = JSON.parse(run.stdout) as MessageTrace[];
    expect(traces).toEqual((await reference.getByTimeRange(ids.first, ids.last)).slice(0, 2));
    expect(run.stderr).toBe(`Printed the first 2 of ${ids.total} traces; pass --limit 0 to print all.\n`);
  });

  it('range of an empty span fails', async () => {
    const run = await whizbang(['trace', 'range', '--from', '2000-01-01', '--to', '2000-01-02T00:00:00Z', ...db]);
    expectOneLineError(run, 1, 'No traces between 2000-01-01T00:00:00.000Z and 2000-01-02T00:00:00.000Z in ');
  });

  it('range reads a time without an offset as UTC', async () => {
    // Without the Z, Date.parse would read local time: in Kolkata (UTC+05:30) the range would move.
    const run = runBuilt(['trace', 'range', '--from', iso(ids.first).slice(0, -1), '--to', iso(ids.last).slice(0, -1), '--limit', '1', ...db], { TZ: 'Asia/Kolkata' });
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`${ids.total} messages between ${iso(ids.first)} and ${iso(ids.last)}`);
  });

  it('range of one message says "1 message"', async () => {
    const run = await whizbang(['trace', 'range', '--from', iso(ids.lonely), '--to', iso(ids.lonely), ...db]);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`1 message between ${iso(ids.lonely)} and ${iso(ids.lonely)}`);
  });

  it('trail lists every decision', async () => {
    const run = await whizbang(['trace', 'trail', ids.root, ...db]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Policy trail of ${ids.root}: 1 evaluated, 1 matched`);
    expect(run.stdout).toMatch(/1\. orders {2}matched {2}\d{4}-/);
    expect(run.stdout).toContain('reason         predicate returned true');
    expect(run.stdout).toContain('configuration  {"topic":"orders"');
    expect(run.stdout).toContain('"streamKey":"order-000001"');
  });

  it('trail of a projection shows the miss first', async () => {
    const chain = await reference.getCausalChain(ids.root as MessageTrace['messageId']);
    const projection = chain.find((trace) => trace.messageType === 'OrderViewUpdate') as MessageTrace;
    const run = await whizbang(['trace', 'trail', projection.messageId, ...db]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('2 evaluated, 1 matched');
    expect(run.stdout).toMatch(/1\. orders {2}not matched[\s\S]*reason {9}predicate returned false[\s\S]*2\. projections {2}matched/);
  });

  it('trail --json equals getPolicyTrail', async () => {
    const run = await whizbang(['trace', 'trail', ids.failedStockReserved, '--json', ...db]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(await reference.getPolicyTrail(ids.failedStockReserved as MessageTrace['messageId']));
  });

  it.each([
    ['show', ['trace', 'show']],
    ['chain', ['trace', 'chain']],
    ['trail', ['trace', 'trail']],
  ])('%s of an unknown id fails', async (_command, words) => {
    const unknown = createMessageId();
    expectOneLineError(await whizbang([...words, unknown, ...db]), 1, `No trace with message id ${unknown} in ${fixtures.database}.`);
  });

  it('correlation of an unknown id fails', async () => {
    const unknown = createMessageId();
    expectOneLineError(await whizbang(['trace', 'correlation', unknown, ...db]), 1, `No traces with correlation id ${unknown} in`);
  });

  it.each([
    ['order-42', ['trace', 'show', 'order-42'], 'Invalid messageId "order-42": expected a UUIDv7'],
    ['UUIDv4', ['trace', 'chain', '6f1c1b34-1a0e-4c1e-9a54-2d2a8c1f6e11'], 'Invalid messageId'],
    ['bad correlation', ['trace', 'correlation', 'x'], 'Invalid correlationId "x"'],
    ['bad --from', ['trace', 'range', '--from', 'yesterday', '--to', '2030-01-01'], 'Invalid --from "yesterday": expected an ISO 8601'],
    ['bad --to', ['trace', 'range', '--from', '2030-01-01', '--to', '2030-13-45'], 'Invalid --to "2030-13-45": no such calendar date'],
    ['30 February', ['trace', 'range', '--from', '2026-02-30', '--to', '2026-03-05'], 'Invalid --from "2026-02-30": no such calendar date'],
    ['29 February of a common year', ['trace', 'range', '--from', '2026-02-29T10:00', '--to', '2026-03-05'], 'no such calendar date'],
    ['hour 24', ['trace', 'range', '--from', '2026-02-01T24:00:00Z', '--to', '2026-03-05'], 'Invalid --from "2026-02-01T24:00:00Z": no such time of day'],
    ['offset out of range', ['trace', 'range', '--from', '2026-02-01T10:00:00+24:00', '--to', '2026-03-05'], 'the offset is out of range'],
    ['empty --db', ['trace', 'show', '0190163d-8694-739b-aea5-966c26f8ad91', '--db', ''], 'Invalid --db "": expected the path of a trace database file'],
    ['reversed range', ['trace', 'range', '--from', '2030-01-02', '--to', '2030-01-01'], 'is later than --to'],
    ['bad --limit', ['trace', 'range', '--from', '2030-01-01', '--to', '2030-01-02', '--limit', '-1'], 'Invalid --limit "-1"'],
  ])('malformed argument (%s) is a usage error', async (_case, args, message) => {
    // A later --db wins, so the empty --db case keeps its own value.
    expectOneLineError(await whizbang(args.includes('--db') ? args : [...args, ...db]), 2, message);
  });

  it.each([
    ['missing file', () => join(fixtures.directory, 'missing.db'), 'the file does not exist'],
    ['directory', () => fixtures.directory, 'is a directory, not a trace database'],
    ['text file', () => fixtures.notSqlite, 'is not a SQLite database'],
    ['foreign SQLite file', () => fixtures.foreignSqlite, 'has no Whizbang trace tables'],
    ['newer schema', () => fixtures.newerSchema, 'has traces schema version 999, but this @whizbang/sqlite supports traces schema versions up to 1'],
  ])('unreadable database (%s) fails', async (_case, path, message) => {
    expectOneLineError(await whizbang(['trace', 'show', ids.root, '--db', path()]), 3, message);
  });

  it.each([
    ['unknown command', ['trace', 'replay'], "unknown command 'replay'"],
    ['missing argument', ['trace', 'show'], "missing required argument 'messageId'"],
    ['missing option', ['trace', 'range', '--to', '2030-01-01'], "required option '--from <time>' not specified"],
    ['unknown option', ['trace', 'show', '--colour'], "unknown option '--colour'"],
  ])('command-line mistake (%s) is a usage error', async (_case, args, message) => {
    expectOneLineError(await whizbang(args), 2, `whizbang: ${message}`);
  });

  it('--version prints the package version', async () => {
    const run = await whizbang(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('0.2.0\n');
  });

  it('--help lists the trace commands', async () => {
    const run = await whizbang(['trace', '--help']);
    expect(run.status).toBe(0);
    for (const command of ['show', 'correlation', 'chain', 'range', 'trail']) expect(run.stdout).toContain(`  ${command} `);
  });
});

describe('built CLI', () => {
  it('reads ./whizbang-traces.db by default', () => {
    const run = runBuilt(['trace', 'show', ids.root]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`PlaceOrder ${ids.root}`);
  });

  it('never writes the database', () => {
    const hash = (): string => createHash('sha256').update(readFileSync(fixtures.database)).digest('hex');
    const before = hash();
    expect(runBuilt(['trace', 'chain', ids.root]).status).toBe(0);
    expect(runBuilt(['trace', 'range', '--from', iso(ids.first), '--to', iso(ids.last)]).status).toBe(0);
    expect(hash()).toBe(before);
  });

  it('stops quietly when the pipe closes', () => {
    // About 1,500 bytes per trace: far more than a pipe buffer, so head closes the pipe mid-write.
    const command = `"${process.execPath}" "${fixtures.bin}" trace range --from ${iso(ids.first)} --to ${iso(ids.last)} --limit 0 --json | head -c 100 > /dev/null; exit \${PIPESTATUS[0]}`;
    const result = spawnSync('bash', ['-c', command], { cwd: fixtures.directory, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('prints a CliError in one line with WHIZBANG_DEBUG', () => {
    const run = runBuilt(['trace', 'show', ids.root, '--db', fixtures.notSqlite], { WHIZBANG_DEBUG: '1' });
    expect(run.status).toBe(3);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('installed command', () => {
  const packageDir = join(fixtures.bin, '..', '..');

  it('links a committed file, so installing before the build creates the link', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(manifest.bin).toEqual({ whizbang: './bin/whizbang.js' });
    expect(manifest.files).toContain('bin');

    const file = join(packageDir, 'bin', 'whizbang.js');
    expect(readFileSync(file, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(statSync(file).mode & 0o111).toBe(0o111);
  });

  it('runs the CLI', () => {
    const run = spawnSync(join(packageDir, 'bin', 'whizbang.js'), ['--version'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('0.2.0\n');
  });
});

describe('runCli colours', () => {
  it('colours a terminal', async () => {
    const run = await runInProcess(['trace', 'show', ids.root, '--db', fixtures.database], { isTTY: true });
    expect(run.stdout).toContain('\u001b[32msucceeded\u001b[39m');
  });

  it('respects NO_COLOR on a terminal', async () => {
    const run = await runInProcess(['trace', 'show', ids.root, '--db', fixtures.database], { isTTY: true, env: { NO_COLOR: '1' } });
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('never colours JSON', async () => {
    const run = await runInProcess(['trace', 'chain', ids.root, '--json', '--db', fixtures.database], { isTTY: true });
    expect(run.stdout).not.toContain('\u001b[');
  });
});
