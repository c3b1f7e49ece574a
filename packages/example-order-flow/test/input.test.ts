import { describe, expect, it } from 'vitest';

import { InputLineError, parseOrderLines, parsePlaceOrderLine } from '../src/index.js';

const VALID = {
  type: 'PlaceOrder',
  orderId: 'order-000001',
  customerId: 'customer-0001',
  placedAt: '2026-01-05T08:00:03.394Z',
  currency: 'EUR',
  items: [{ sku: 'SKU-1084', quantity: 4, unitPrice: 33.07 }],
  payment: { method: 'card', cardLast4: '4242' },
  shipTo: { country: 'DE', postalCode: '95151' },
};

const line = (changes: Record<string, unknown> = {}): string => JSON.stringify({ ...VALID, ...changes });

describe('parsePlaceOrderLine', () => {
  it('adds the aggregate fields', () => {
    const order = parsePlaceOrderLine(line({ extra: 'ignored' }), 1);
    expect(order).toEqual({ ...VALID, aggregateType: 'Order', aggregateId: 'order-000001' });
  });

  it.each([
    ['not JSON', '{"type": "PlaceOrder",', undefined, 'invalid JSON'],
    ['an array', '[1, 2]', undefined, 'expected a JSON object, received an array'],
    ['null', 'null', undefined, 'expected a JSON object, received null'],
    ['another type', line({ type: 'CancelOrder' }), 'type', 'expected "PlaceOrder", received "CancelOrder"'],
    ['missing orderId', line({ orderId: undefined }), 'orderId', 'received nothing (the field is missing)'],
    ['blank customerId', line({ customerId: '  ' }), 'customerId', 'expected a non-empty string'],
    ['date without time', line({ placedAt: '2026-01-05' }), 'placedAt', 'expected an ISO 8601 date-time'],
    ['impossible date', line({ placedAt: '2026-02-30T25:00:00Z' }), 'placedAt', 'expected an ISO 8601 date-time'],
    ['lower-case currency', line({ currency: 'eur' }), 'currency', 'expected an ISO 4217 code'],
    ['no items', line({ items: [] }), 'items', 'expected 1 to 100 items, received 0'],
    ['items not an array', line({ items: { sku: 'A' } }), 'items', 'expected an array, received an object'],
    ['item not an object', line({ items: [3] }), 'items[0]', 'expected an object, received 3'],
    ['negative quantity', line({ items: [{ sku: 'A', quantity: -2, unitPrice: 1 }] }), 'items[0].quantity', 'expected a whole number from 1 to 10000, received -2'],
    ['fractional quantity', line({ items: [{ sku: 'A', quantity: 1.5, unitPrice: 1 }] }), 'items[0].quantity', 'received 1.5'],
    ['price as text', line({ items: [{ sku: 'A', quantity: 1, unitPrice: '9.99' }] }), 'items[0].unitPrice', 'expected a number, received "9.99"'],
    ['negative price', line({ items: [{ sku: 'A', quantity: 1, unitPrice: -1 }] }), 'items[0].unitPrice', 'expected a price from 0 to 1000000'],
    ['missing sku', line({ items: [{ sku: 'A', quantity: 1, unitPrice: 1 }, { quantity: 1, unitPrice: 1 }] }), 'items[1].sku', 'received nothing'],
    ['payment missing', line({ payment: undefined }), 'payment', 'expected an object, received nothing'],
    ['invoice payment', line({ payment: { method: 'invoice', cardLast4: '4242' } }), 'payment.method', 'expected "card"'],
    ['short card digits', line({ payment: { method: 'card', cardLast4: '42' } }), 'payment.cardLast4', 'expected the last four digits'],
    ['country name', line({ shipTo: { country: 'Germany', postalCode: '1' } }), 'shipTo.country', 'expected an ISO 3166 code'],
    ['postal code as number', line({ shipTo: { country: 'DE', postalCode: 10115 } }), 'shipTo.postalCode', 'expected a non-empty string, received 10115'],
  ])('rejects %s naming line and field', (_case, text, field, problem) => {
    let caught: unknown;
    try {
      parsePlaceOrderLine(text, 17);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputLineError);
    const error = caught as InputLineError;
    expect(error.lineNumber).toBe(17);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(field === undefined ? /^line 17: / : new RegExp(`^line 17: invalid field "${field.replace(/[[\]]/g, '\\$&')}": `));
    expect(error.message).toContain(problem);
  });
});

describe('parseOrderLines', () => {
  const text = [line(), '', line({ orderId: 'order-000002', currency: 'euro' }), line({ orderId: 'order-000003' }), '   ', line(), ''].join('\n');

  it('stops at the first malformed line', () => {
    expect(() => parseOrderLines(text, 'stop')).toThrow('line 3: invalid field "currency": expected an ISO 4217 code of three capital letters, such as "EUR", received "euro".');
  });

  it('skips malformed and repeated orders', () => {
    const input = parseOrderLines(text, 'skip');
    expect(input.lineCount).toBe(4);
    expect(input.messages.map((order) => order.orderId)).toEqual(['order-000001', 'order-000003']);
    expect(input.invalidLines.map((error) => error.message)).toEqual([
      'line 3: invalid field "currency": expected an ISO 4217 code of three capital letters, such as "EUR", received "euro".',
      'line 6: invalid field "orderId": order "order-000001" was already placed on line 1; each order is placed once.',
    ]);
  });

  it('reads Windows line endings', () => {
    const input = parseOrderLines(`${line()}\r\n${line({ orderId: 'order-000002' })}\r\n`, 'stop');
    expect(input.messages).toHaveLength(2);
  });
});
