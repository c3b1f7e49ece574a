import { describe, expect, it } from 'vitest';

import { describeArgument } from '../../src/contracts/describe-argument.js';
import { describeReceivedValue } from '../../src/contracts/describe-received-value.js';

// Each value with what describeArgument and describeReceivedValue return for it.
const cases: [string, unknown, string, string][] = [
  ['a string', 'order-42', '"order-42" (string of length 8)', '"order-42"'],
  ['a long string', 'x'.repeat(61), `"${'x'.repeat(60)}..." (string of length 61)`, `"${'x'.repeat(61)}"`],
  ['a number', 4, '4 (number)', '4'],
  ['a bigint', 4n, '4n (bigint)', '4n'],
  ['a boolean', true, 'true (boolean)', 'true'],
  ['a symbol', Symbol('key'), 'Symbol(key) (symbol)', 'Symbol(key)'],
  ['null', null, 'null', 'null'],
  ['undefined', undefined, 'undefined', 'undefined'],
  ['a function', () => 1, 'a function', 'a function'],
  ['an array', [1], 'an array', 'an array'],
  ['an object', { a: 1 }, 'an object', 'an object'],
];

describe('describeArgument', () => {
  it.each(cases)('describes %s', (_case, value, expected) => {
    expect(describeArgument(value)).toBe(expected);
  });
});

describe('describeReceivedValue', () => {
  it.each(cases)('describes %s', (_case, value, _argumentText, expected) => {
    expect(describeReceivedValue(value)).toBe(expected);
  });
});
