import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseStoredCounter, validateCounterValue } from '../../src/contracts/safe-sequence-value.js';

describe('parseStoredCounter', () => {
  it('converts every safe integer exactly', () => {
    const value = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

    fc.assert(
      fc.property(value, fc.nat({ max: 5 }), (number, zeros) => {
        const text = '0'.repeat(zeros) + String(number);
        expect(parseStoredCounter(text, 'order-42')).toBe(number);
        expect(parseStoredCounter(Buffer.from(text), 'order-42')).toBe(number);
        expect(parseStoredCounter(number, 'order-42')).toBe(number);
        expect(parseStoredCounter(BigInt(number), 'order-42')).toBe(number);
      }),
    );
  });

  it('rejects every value above MAX_SAFE_INTEGER', () => {
    const value = fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 2n ** 80n });

    fc.assert(
      fc.property(value, (number) => {
        expect(() => parseStoredCounter(String(number), 'order-42')).toThrow(RangeError);
        expect(() => parseStoredCounter(number, 'order-42')).toThrow(RangeError);
      }),
    );
  });

  it('names the stream and the limit', () => {
    expect(() => parseStoredCounter('9007199254740992', 'order-42')).toThrow(
      'The counter of stream "order-42" is 9007199254740992, above Number.MAX_SAFE_INTEGER (9007199254740991), ' +
        'so it cannot be returned exactly. Reset the stream or use a new stream key.',
    );
  });

  it.each([
    ['text', 'seven'],
    ['a negative number', '-1'],
    ['a fraction', '1.5'],
    ['an empty string', ''],
    ['null', null],
  ])('rejects %s with a TypeError', (_case, reply) => {
    expect(() => parseStoredCounter(reply, 'order-42')).toThrow(TypeError);
    expect(() => parseStoredCounter(reply, 'order-42')).toThrow(/^Invalid counter value .* stored for stream "order-42"\.$/);
  });
});

describe('validateCounterValue', () => {
  it('accepts 0 and MAX_SAFE_INTEGER', () => {
    expect(() => validateCounterValue(0, 'newValue')).not.toThrow();
    expect(() => validateCounterValue(Number.MAX_SAFE_INTEGER, 'newValue')).not.toThrow();
  });

  it('rejects a non-number with a TypeError', () => {
    expect(() => validateCounterValue('5', 'newValue')).toThrow(TypeError);
    expect(() => validateCounterValue('5', 'newValue')).toThrow('newValue must be a number, received "5".');
  });

  it.each([-1, 1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1])('rejects %d with a RangeError', (value) => {
    expect(() => validateCounterValue(value, 'newValue')).toThrow(RangeError);
    expect(() => validateCounterValue(value, 'newValue')).toThrow(/^newValue must be an integer from 0 to Number\.MAX_SAFE_INTEGER/);
  });
});
