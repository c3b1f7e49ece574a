import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createProgressBar, formatProgress, orderTotal, OrderReadModel, summariseLatencies, type OrderViewUpdate, type PlaceOrder } from '../src/index.js';

describe('summariseLatencies', () => {
  it('uses nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(summariseLatencies(samples)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('returns zeros without samples', () => {
    expect(summariseLatencies([])).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe('progress', () => {
  it('formats a bar', () => {
    expect(formatProgress({ dispatched: 5_000, total: 10_000, handled: 35_012 })).toBe(
      '[###############---------------]  50%  5,000/10,000 orders  35,012 messages handled',
    );
    expect(formatProgress({ dispatched: 0, total: 0, handled: 0 })).toContain('100%');
  });

  it('draws only on a terminal', () => {
    let written = '';
    const output = { write: (text: string) => (written += text) };
    const pipe = createProgressBar(output);
    pipe.update({ dispatched: 1, total: 2, handled: 1 });
    pipe.clear();
    expect(written).toBe('');

    const terminal = createProgressBar({ ...output, isTTY: true });
    terminal.update({ dispatched: 1, total: 2, handled: 1 });
    terminal.clear();
    expect(written).toBe(`\r${formatProgress({ dispatched: 1, total: 2, handled: 1 })}\u001b[K\r\u001b[K`);
  });
});

describe('orderTotal', () => {
  it('adds in cents', () => {
    const order = { items: [{ sku: 'A', quantity: 3, unitPrice: 0.1 }, { sku: 'B', quantity: 1, unitPrice: 19.99 }] } as unknown as PlaceOrder;
    expect(orderTotal(order)).toBe(20.29);
  });
});

describe('OrderReadModel', () => {
  const update = (status: OrderViewUpdate['status'], amount: number, currency: string): OrderViewUpdate => ({
    type: 'OrderViewUpdate',
    orderId: 'order-1',
    customerId: 'customer-1',
    event: 'StockReserved',
    status,
    amount,
    currency,
  });
  const shippedFlow = [update('stock-reserved', 12.5, 'EUR'), update('paid', 12.5, 'EUR'), update('shipped', 0, '')];

  it('ends in the same state in any order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(shippedFlow, { minLength: 3, maxLength: 3 }), (updates) => {
        const model = new OrderReadModel();
        for (const item of updates) model.apply(item);
        expect(model.get('order-1')).toEqual({ orderId: 'order-1', customerId: 'customer-1', status: 'shipped', amount: 12.5, currency: 'EUR' });
        expect(model.countByStatus()).toEqual({ 'stock-reserved': 0, paid: 0, 'payment-failed': 0, shipped: 1 });
      }),
    );
  });

  it('keeps a failed payment', () => {
    const model = new OrderReadModel();
    model.apply(update('payment-failed', 40, 'USD'));
    model.apply(update('stock-reserved', 40, 'USD'));
    expect(model.get('order-1')?.status).toBe('payment-failed');
    expect(model.size).toBe(1);
  });
});
