import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { toJsonValue } from '../../src/trace/json-value.js';

describe('toJsonValue', () => {
  it('keeps plain JSON values unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // fast-check generates -0, which JSON text turns into 0.
        expect(toJsonValue(value, 'value')).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('matches a JSON round trip on mixed data', () => {
    const leaf = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const data = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
    })).value;

    fc.assert(
      fc.property(data, (value) => {
        expect(toJsonValue(value, 'value')).toStrictEqual(JSON.parse(JSON.stringify(value) ?? 'null'));
      }),
    );
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "kept": 1}') as object;

    const copy = toJsonValue(value, 'value') as Record<string, unknown>;

    expect(Object.keys(copy)).toStrictEqual(['__proto__', 'kept']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it('copies objects without a prototype', () => {
    const value = Object.assign(Object.create(null) as object, { plan: 'pro', seats: [1, -0] });

    expect(toJsonValue(value, 'value')).toStrictEqual({ plan: 'pro', seats: [1, 0] });
  });

  it('reports a throwing getter like JSON.stringify', () => {
    const value = {
      get broken(): never {
        throw new Error('getter failed');
      },
    };

    expect(() => toJsonValue(value, 'configuration')).toThrow(/Invalid configuration: .*getter failed/);
  });

  it('rejects deep cycles below the copy depth', () => {
    const cyclic: { next?: unknown } = {};
    cyclic.next = { next: { next: cyclic } };

    expect(() => toJsonValue(cyclic, 'options.payload')).toThrow(/circular/);
  });

  it('returns a copy, not the input', () => {
    const input = { nested: { list: [1, 2] } };

    const output = toJsonValue(input, 'value') as { nested: { list: number[] } };
    input.nested.list.push(3);

    expect(output.nested.list).toStrictEqual([1, 2]);
  });

  it('follows JSON.stringify for dates and toJSON', () => {
    const value = { at: new Date(Date.UTC(2030, 0, 2)), custom: { toJSON: () => 'custom' } };

    expect(toJsonValue(value, 'value')).toStrictEqual({ at: '2030-01-02T00:00:00.000Z', custom: 'custom' });
  });

  it('names functions, symbols and bigints', () => {
    function routeByAggregate(): void {}
    const value = { route: routeByAggregate, arrow: () => 1, key: Symbol('lane'), big: 12n, list: [undefined] };

    expect(toJsonValue(value, 'value')).toStrictEqual({
      route: '[Function routeByAggregate]',
      arrow: '[Function arrow]',
      key: 'Symbol(lane)',
      big: '12',
      list: [null],
    });
  });

  it('turns a top-level undefined into null', () => {
    expect(toJsonValue(undefined, 'value')).toBeNull();
  });

  it('drops undefined object properties', () => {
    expect(toJsonValue({ kept: 1, dropped: undefined }, 'value')).toStrictEqual({ kept: 1 });
  });

  it('rejects a circular structure naming the argument', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;

    expect(() => toJsonValue(cyclic, 'options.payload')).toThrow(TypeError);
    expect(() => toJsonValue(cyclic, 'options.payload')).toThrow(/options\.payload/);
  });
});
