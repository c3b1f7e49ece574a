import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { SetMultimap } from '../../src/trace/set-multimap.js';

interface Item {
  readonly id: number;
}

const items: readonly Item[] = Array.from({ length: 6 }, (_, id) => ({ id }));

function item(id: number): Item {
  return items[id] as Item;
}

function ids(values: readonly Item[]): number[] {
  return values.map((value) => value.id);
}

describe('SetMultimap', () => {
  it('groups values by key in insertion order', () => {
    const map = new SetMultimap<string, Item>();
    map.add('a', item(1));
    map.add('a', item(2));
    map.add('b', item(3));

    expect(ids(map.valuesOf('a'))).toStrictEqual([1, 2]);
    expect(ids(map.valuesOf('b'))).toStrictEqual([3]);
    expect(map.sizeOf('a')).toBe(2);
    expect(map.keyCount).toBe(2);
    expect(map.valueCount).toBe(3);
  });

  it('drops a key with its last value', () => {
    const map = new SetMultimap<string, Item>();
    map.add('a', item(1));

    map.delete('a', item(1));

    expect(map.valuesOf('a')).toStrictEqual([]);
    expect(map.sizeOf('a')).toBe(0);
    expect(map.keyCount).toBe(0);
    expect(map.valueCount).toBe(0);
  });

  it('counts a repeated add once, in both forms', () => {
    const map = new SetMultimap<string, Item>();
    map.add('a', item(1));
    map.add('a', item(1));
    map.add('b', item(1));
    map.add('b', item(2));
    map.add('b', item(2));
    map.delete('a', item(2));
    map.delete('c', item(1));

    expect(map.valueCount).toBe(3);
  });

  it('keeps the remaining value after shrinking from two values to one', () => {
    const map = new SetMultimap<string, Item>();
    map.add('a', item(1));
    map.add('a', item(2));

    map.delete('a', item(1));
    map.add('a', item(3));

    expect(ids(map.valuesOf('a'))).toStrictEqual([2, 3]);
  });

  it('clears everything', () => {
    const map = new SetMultimap<string, Item>();
    map.add('a', item(1));

    map.clear();

    expect(map.keyCount).toBe(0);
    expect(map.valueCount).toBe(0);
  });

  it('behaves like a Map of Sets for any sequence of adds and deletes', () => {
    const operation = fc.record({ add: fc.boolean(), key: fc.constantFrom('a', 'b', 'c'), value: fc.integer({ min: 0, max: 5 }) });

    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const map = new SetMultimap<string, Item>();
        const model = new Map<string, Set<number>>();

        for (const { add, key, value } of operations) {
          const set = model.get(key) ?? new Set<number>();
          if (add) {
            map.add(key, item(value));
            set.add(value);
          } else {
            map.delete(key, item(value));
            set.delete(value);
          }
          if (set.size === 0) model.delete(key);
          else model.set(key, set);
        }

        for (const key of ['a', 'b', 'c']) {
          expect(ids(map.valuesOf(key))).toStrictEqual([...(model.get(key) ?? [])]);
          expect(map.sizeOf(key)).toBe(model.get(key)?.size ?? 0);
        }
        expect(map.keyCount).toBe(model.size);
        expect(map.valueCount).toBe([...model.values()].reduce((sum, set) => sum + set.size, 0));
      }),
      { numRuns: 500 },
    );
  });
});
