import { copyFileSync, writeFileSync } from 'node:fs';

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DatabaseFileError, formatSummary, inspectDatabase, ORDERS_TOPIC, runOrderFlow, type OrderFlowProgress, type OrderFlowResult } from '../src/index.js';
import { countDeclined, createTemporaryDirectory, generateOrders, type TemporaryDirectory } from './temporary-directory.js';

const ORDERS = 60;

let directory: TemporaryDirectory;
let declined: number;
let result: OrderFlowResult;
const progress: OrderFlowProgress[] = [];

beforeAll(async () => {
  directory = createTemporaryDirectory();
  const text = generateOrders(directory.file('orders.jsonl'), { orders: ORDERS, customers: 15, declinedPercent: 15 });
  declined = countDeclined(text);

  // One malformed line and one repeated order, skipped.
  const lines = text.trimEnd().split('\n');
  lines.splice(10, 0, '{"type":"PlaceOrder","orderId":"order-x"}', lines[0] as string);
  writeFileSync(directory.file('with-bad-lines.jsonl'), `${lines.join('\n')}\n`);

  result = await runOrderFlow({
    input: directory.file('with-bad-lines.jsonl'),
    db: directory.file('traces.db'),
    onInvalid: 'skip',
    maxInFlight: 25,
    progressIntervalMs: 0,
    onProgress: (state) => progress.push(state),
  });
});

afterAll(() => directory.remove());

// Per order: PlaceOrder, StockReserved, then PaymentCharged, OrderShipped and three read-model
// updates, or PaymentFailed and two read-model updates when the card is declined.
const expectedTopics = (orders: number, failed: number) =>
  new Map([
    ['orders', new Map([['OrderShipped', orders - failed], ['PaymentCharged', orders - failed], ['PaymentFailed', failed], ['PlaceOrder', orders], ['StockReserved', orders]])],
    ['projections', new Map([['OrderViewUpdate', 3 * orders - failed]])],
  ]);

describe('runOrderFlow', () => {
  it('input has declined cards', () => {
    expect(declined).toBeGreaterThan(0);
    expect(declined).toBeLessThan(ORDERS);
  });

  it('counts input and skipped lines', () => {
    expect(result.inputLines).toBe(ORDERS + 2);
    expect(result.dispatched).toBe(ORDERS);
    expect(result.skippedLines.map((error) => error.lineNumber)).toEqual([11, 12]);
    expect(result.skippedLines[0]?.field).toBe('customerId');
    expect(result.skippedLines[1]?.message).toContain('was already placed on line 1');
  });

  it('stores every message', () => {
    const total = 7 * ORDERS - 2 * declined;
    expect(result.sent).toBe(total);
    expect(result.handled).toBe(total);
    expect(result.database.traces).toBe(total);
    expect(result.storeErrors).toBe(0);
    expect(result.database.byTopic).toEqual(expectedTopics(ORDERS, declined));
  });

  it('counts declined payments as failures', () => {
    expect(result.database.byOutcome).toEqual(new Map([['succeeded', 7 * ORDERS - 3 * declined], ['failed', declined]]));
    expect(result.database.errorsByName).toEqual(new Map([['PaymentDeclinedError', declined]]));
    expect(result.readModel).toEqual({ 'stock-reserved': 0, paid: 0, 'payment-failed': declined, shipped: ORDERS - declined });
  });

  it('finds no ordering violations', () => {
    expect(result.database.violations).toEqual([]);
    // One stream per order, and the shared read-model stream.
    expect(result.database.streams).toBe(ORDERS + 1);
  });

  it('measures every handled message', () => {
    expect(result.latency.count).toBe(result.handled);
    expect(result.latency.p50).toBeLessThanOrEqual(result.latency.p95);
    expect(result.latency.p95).toBeLessThanOrEqual(result.latency.p99);
    expect(result.latency.p99).toBeLessThanOrEqual(result.latency.max);
  });

  it('reports progress up to the end', () => {
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ dispatched: ORDERS, total: ORDERS, handled: result.handled });
  });

  it('picks a successful order as example chain', () => {
    const chain = result.exampleChain;
    expect(chain?.traces.map((trace) => trace.messageType).sort()).toEqual(
      ['OrderShipped', 'OrderViewUpdate', 'OrderViewUpdate', 'OrderViewUpdate', 'PaymentCharged', 'PlaceOrder', 'StockReserved'],
    );
    expect(chain?.traces.every((trace) => trace.outcome.status === 'succeeded')).toBe(true);
    expect(chain?.hops).toBe(7);
    expect(result.database.firstFailedOrderMessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('summary shows the checks', () => {
    const summary = formatSummary(result, { cliCommand: 'whizbang' });
    expect(summary).toContain(`Input        ${ORDERS + 2} lines, ${ORDERS} orders dispatched, 2 lines skipped`);
    expect(summary).toContain('skipped line 11: invalid field "customerId"');
    expect(summary).toContain(`failures ${declined} (PaymentDeclinedError ${declined})`);
    expect(summary).toContain('rejections 0');
    expect(summary).toContain(`Ordering     0 violations in ${ORDERS + 1} streams`);
    expect(summary).toContain(`Trace store  ${result.sent} of ${result.sent} messages stored`);
    expect(summary).toContain(`whizbang trace chain ${result.exampleChain?.messageId} --db`);
    expect(summary).toContain(`whizbang trace chain ${result.database.firstFailedOrderMessageId}`);
  });

  it('append keeps earlier traces', async () => {
    const db = directory.file('append.db');
    const input = directory.file('small.jsonl');
    generateOrders(input, { orders: 5, customers: 2, declinedPercent: 0 });
    await runOrderFlow({ input, db });
    const second = await runOrderFlow({ input, db, append: true });

    // Only the second run's traces are counted, and its streams continue the first run's numbers.
    expect(second.database.traces).toBe(35);
    expect(second.database.violations).toEqual([]);
    const numbers = new Database(db, { readonly: true });
    const row = numbers.prepare("SELECT count(*) AS total, max(sequence_number) AS last FROM whizbang_traces WHERE stream_key = 'order-000001'").get() as { total: number; last: number };
    numbers.close();
    expect(row).toEqual({ total: 8, last: 8 });
  });

  it('starts from an empty file by default', async () => {
    const db = directory.file('fresh.db');
    const input = directory.file('small.jsonl');
    await runOrderFlow({ input, db });
    const second = await runOrderFlow({ input, db });
    expect(second.database.traces).toBe(35);
    expect(second.exampleChain?.traces[0]?.sequenceNumber).toBe(1);
  });

  it('refuses to overwrite another file', async () => {
    const db = directory.file('notes.db');
    writeFileSync(db, 'not a database');
    await expect(runOrderFlow({ input: directory.file('small.jsonl'), db })).rejects.toThrow(DatabaseFileError);
  });

  it('rejects an invalid maxInFlight', async () => {
    await expect(runOrderFlow({ input: directory.file('small.jsonl'), db: directory.file('x.db'), maxInFlight: 0 })).rejects.toThrow(
      'Invalid maxInFlight 0: expected a whole number from 1 to 1,000,000.',
    );
  });
});

describe('inspectDatabase', () => {
  // Each case breaks a copy of the run's database the way a broken engine or store would.
  it.each([
    ['duplicate', "UPDATE whizbang_traces SET sequence_number = 1 WHERE stream_key = 'order-000002' AND sequence_number = 2", 'sequence number 1 is stored twice'],
    ['gap', "DELETE FROM whizbang_traces WHERE stream_key = 'order-000002' AND sequence_number = 2", 'sequence number 2 is missing'],
    [
      'out-of-order',
      // Moving #1 to the end of the table makes it look stored (settled) after #2.
      "UPDATE whizbang_traces SET id = (SELECT max(id) + 1 FROM whizbang_traces) WHERE stream_key = 'order-000002' AND sequence_number = 1",
      'settled before a message with a lower number',
    ],
  ])('finds a %s', (kind, sql, detail) => {
    const copy = directory.file(`broken-${kind}.db`);
    copyFileSync(directory.file('traces.db'), copy);
    const database = new Database(copy);
    database.exec(sql);
    database.close();

    const report = inspectDatabase(copy, 0, new Set([ORDERS_TOPIC]));
    expect(report.violations).toContainEqual({ topic: 'orders', streamKey: 'order-000002', kind, detail: expect.stringContaining(detail) as string });
  });

  it('ignores settle order in parallel topics', () => {
    // The out-of-order copy from the case above, checked as if orders were a parallel topic.
    const report = inspectDatabase(directory.file('broken-out-of-order.db'), 0, new Set());
    expect(report.violations).toEqual([]);
  });
});
