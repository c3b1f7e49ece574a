import { readFile } from 'node:fs/promises';

import type { OrderItem, PlaceOrder } from './messages.js';

/** Action on a malformed input line: stop before dispatching anything, or skip the line. */
export type InvalidLinePolicy = 'stop' | 'skip';

/**
 * A malformed line of the input file. The message names the line number and the field, for
 * example `line 17: invalid field "items[0].quantity": expected a whole number from 1 to 10000, received -2.`
 */
export class InputLineError extends Error {
  override readonly name = 'InputLineError';

  /**
   * @param lineNumber - 1-based line number in the input file.
   * @param field - path of the invalid field such as `items[0].quantity`, or undefined when the
   *   line is not a JSON object at all.
   * @param problem - what is wrong, without the line number.
   */
  constructor(
    readonly lineNumber: number,
    readonly field: string | undefined,
    problem: string,
  ) {
    super(field === undefined ? `line ${lineNumber}: ${problem}` : `line ${lineNumber}: invalid field "${field}": ${problem}`);
  }
}

/** Result of reading an input file. */
export interface OrderInput {
  /** Valid commands in file order. */
  readonly messages: PlaceOrder[];

  /** Skipped lines in file order (only with `'skip'`: `'stop'` throws the first one instead). */
  readonly invalidLines: InputLineError[];

  /** Non-blank lines read. */
  readonly lineCount: number;
}

// Bounds that catch typos and unit mistakes (cents given as euros) without limiting real data.
const MAX_ITEMS = 100;
const MAX_QUANTITY = 10_000;
const MAX_UNIT_PRICE = 1_000_000;
const ISO_8601_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads a JSON Lines file of `PlaceOrder` commands (the format is described in the package
 * README). Blank lines are ignored. A second `PlaceOrder` for an order id is a malformed line,
 * because an order is placed once.
 *
 * @param onInvalid - `'stop'` throws the first malformed line's {@link InputLineError};
 *   `'skip'` leaves such lines out and lists them in `invalidLines`.
 * @throws InputLineError with `'stop'`; an `ENOENT` error when the file does not exist.
 */
export async function readOrderFile(path: string, onInvalid: InvalidLinePolicy): Promise<OrderInput> {
  const text = await readFile(path, 'utf8');
  return parseOrderLines(text, onInvalid);
}

/**
 * Parses the text of an input file; see {@link readOrderFile}.
 *
 * @throws InputLineError with `'stop'` for the first malformed line.
 */
export function parseOrderLines(text: string, onInvalid: InvalidLinePolicy): OrderInput {
  const messages: PlaceOrder[] = [];
  const invalidLines: InputLineError[] = [];
  const firstLineOfOrder = new Map<string, number>();
  let lineCount = 0;

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.trim() === '') continue;

    lineCount++;
    const lineNumber = index + 1;
    try {
      const message = parsePlaceOrderLine(line, lineNumber);
      const earlier = firstLineOfOrder.get(message.orderId);
      if (earlier !== undefined) {
        throw new InputLineError(lineNumber, 'orderId', `order ${JSON.stringify(message.orderId)} was already placed on line ${earlier}; each order is placed once.`);
      }

      firstLineOfOrder.set(message.orderId, lineNumber);
      messages.push(message);
    } catch (error) {
      if (!(error instanceof InputLineError) || onInvalid === 'stop') throw error;
      invalidLines.push(error);
    }
  }

  return { messages, invalidLines, lineCount };
}

/**
 * Parses one input line into a `PlaceOrder` command, adding the aggregate fields the policies
 * route by. Fields the format does not define are ignored.
 *
 * @throws InputLineError naming the line number and the first invalid field.
 */
export function parsePlaceOrderLine(line: string, lineNumber: number): PlaceOrder {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new InputLineError(lineNumber, undefined, `invalid JSON (${(error as Error).message}). Each line must be one JSON object.`);
  }
  const fields = new FieldReader(value, lineNumber);

  const type = fields.string('type');
  if (type !== 'PlaceOrder') throw fields.invalid('type', '"PlaceOrder"', type);

  const orderId = fields.string('orderId');
  const customerId = fields.string('customerId');

  const placedAt = fields.string('placedAt');
  if (!ISO_8601_TIME.test(placedAt) || Number.isNaN(Date.parse(placedAt))) {
    throw fields.invalid('placedAt', 'an ISO 8601 date-time with an offset, such as "2026-01-05T08:00:03Z"', placedAt);
  }

  const currency = fields.string('currency');
  if (!/^[A-Z]{3}$/.test(currency)) throw fields.invalid('currency', 'an ISO 4217 code of three capital letters, such as "EUR"', currency);

  const items = fields.array('items');
  if (items.length === 0 || items.length > MAX_ITEMS) {
    throw new InputLineError(lineNumber, 'items', `expected 1 to ${MAX_ITEMS} items, received ${items.length}.`);
  }
  const parsedItems = items.map((_, index): OrderItem => {
    const path = `items[${index}]`;
    fields.object(path);
    const quantity = fields.number(`${path}.quantity`);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      throw fields.invalid(`${path}.quantity`, `a whole number from 1 to ${MAX_QUANTITY}`, quantity);
    }
    const unitPrice = fields.number(`${path}.unitPrice`);
    if (unitPrice < 0 || unitPrice > MAX_UNIT_PRICE) throw fields.invalid(`${path}.unitPrice`, `a price from 0 to ${MAX_UNIT_PRICE}`, unitPrice);
    return { sku: fields.string(`${path}.sku`), quantity, unitPrice };
  });

  fields.object('payment');
  const method = fields.string('payment.method');
  if (method !== 'card') throw fields.invalid('payment.method', '"card"', method);
  const cardLast4 = fields.string('payment.cardLast4');
  if (!/^\d{4}$/.test(cardLast4)) throw fields.invalid('payment.cardLast4', 'the last four digits of the card, such as "4242"', cardLast4);

  fields.object('shipTo');
  const country = fields.string('shipTo.country');
  if (!/^[A-Z]{2}$/.test(country)) throw fields.invalid('shipTo.country', 'an ISO 3166 code of two capital letters, such as "DE"', country);
  const postalCode = fields.string('shipTo.postalCode');

  return {
    type: 'PlaceOrder',
    aggregateType: 'Order',
    aggregateId: orderId,
    orderId,
    customerId,
    placedAt,
    currency,
    items: parsedItems,
    payment: { method: 'card', cardLast4 },
    shipTo: { country, postalCode },
  };
}

/** Reads fields of one parsed line by path (`items[0].quantity`), throwing {@link InputLineError}. */
class FieldReader {
  constructor(
    readonly root: unknown,
    readonly lineNumber: number,
  ) {
    if (typeof root !== 'object' || root === null || Array.isArray(root)) {
      throw new InputLineError(lineNumber, undefined, `expected a JSON object, received ${describe(root)}.`);
    }
  }

  string(path: string): string {
    const value = this.#get(path);
    if (typeof value !== 'string' || value.trim() === '') throw this.invalid(path, 'a non-empty string', value);
    return value;
  }

  number(path: string): number {
    const value = this.#get(path);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.invalid(path, 'a number', value);
    return value;
  }

  array(path: string): unknown[] {
    const value = this.#get(path);
    if (!Array.isArray(value)) throw this.invalid(path, 'an array', value);
    return value;
  }

  object(path: string): void {
    const value = this.#get(path);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.invalid(path, 'an object', value);
  }

  invalid(path: string, expected: string, received: unknown): InputLineError {
    return new InputLineError(this.lineNumber, path, `expected ${expected}, received ${describe(received)}.`);
  }

  #get(path: string): unknown {
    let value: unknown = this.root;
    for (const part of path.split(/\.|\[(\d+)\]/).filter((segment) => segment !== undefined && segment !== '')) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}
