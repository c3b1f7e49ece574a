import { describe, expect, it } from 'vitest';

import { InvalidIdError } from '../../src/ids.js';
import {
  parseCorrelationIdArgument,
  parseMessageIdArgument,
  parseTimeArgument,
  parseTimeRangeArguments,
  throwIfAborted,
} from '../../src/trace/trace-arguments.js';
import { nextMessageId } from './trace-fixtures.js';

describe('id arguments', () => {
  it('returns a valid id in lower case', () => {
    const id = nextMessageId();

    expect(parseMessageIdArgument(id.toUpperCase(), 'messageId')).toBe(id);
    expect(parseCorrelationIdArgument(id, 'correlationId')).toBe(id);
  });

  it('names argument and value when invalid', () => {
    expect(() => parseMessageIdArgument('order-42', 'messageId')).toThrow(InvalidIdError);
    expect(() => parseMessageIdArgument('order-42', 'messageId')).toThrow(/Invalid messageId: "order-42"/);
    expect(() => parseCorrelationIdArgument(undefined, 'correlationId')).toThrow(/Invalid correlationId: undefined/);
  });

  it('rejects a UUIDv4', () => {
    expect(() => parseMessageIdArgument('9b2c6c3e-6f0e-4c7a-9a57-3f1f8e0c2d11', 'messageId')).toThrow(TypeError);
  });
});

describe('time arguments', () => {
  it('accepts numbers and dates', () => {
    expect(parseTimeArgument(5, 'from')).toBe(5);
    expect(parseTimeArgument(new Date(7), 'from')).toBe(7);
  });

  const invalid: [string, unknown, typeof TypeError | typeof RangeError][] = [
    ['NaN', Number.NaN, RangeError],
    ['Infinity', Infinity, RangeError],
    ['-Infinity', -Infinity, RangeError],
    ['invalid Date', new Date(Number.NaN), RangeError],
    ['string', '2030-01-01', TypeError],
    ['undefined', undefined, TypeError],
  ];
  for (const [name, value, errorClass] of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => parseTimeArgument(value, 'from')).toThrow(errorClass);
      expect(() => parseTimeArgument(value, 'from')).toThrow(/Invalid from/);
    });
  }

  it('accepts equal bounds', () => {
    expect(parseTimeRangeArguments(3, new Date(3))).toStrictEqual({ from: 3, to: 3 });
  });

  it('rejects from after to', () => {
    expect(() => parseTimeRangeArguments(10, 9)).toThrow(RangeError);
    expect(() => parseTimeRangeArguments(10, 9)).toThrow(/from .* is later than to/);
  });

  it('names the to bound', () => {
    expect(() => parseTimeRangeArguments(1, Number.NaN)).toThrow(/Invalid to/);
  });
});

describe('throwIfAborted', () => {
  it('accepts a missing or live signal', () => {
    expect(() => throwIfAborted(undefined, 'signal')).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal, 'signal')).not.toThrow();
  });

  it('throws the abort reason', () => {
    const reason = new Error('shutting down');

    expect(() => throwIfAborted(AbortSignal.abort(reason), 'signal')).toThrow(reason);
  });

  it('rejects a non-signal', () => {
    expect(() => throwIfAborted({ aborted: true }, 'signal')).toThrow(/Invalid signal/);
  });
});
