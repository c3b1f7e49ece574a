import { describe, expect, it } from 'vitest';

import { SetMultimap } from '../../src/trace/set-multimap.js';

describe('SetMultimap', () => {
  it('groups values by key', () => {
    const map = new SetMultimap<string, number>();
    map.add('a', 1);
    map.add('a', 2);
    map.add('b', 3);

    expect([...(map.get('a') ?? [])]).toStrictEqual([1, 2]);
    expect(map.keyCount).toBe(2);
    expect(map.valueCount).toBe(3);
  });

  it('drops a key with its last value', () => {
    const map = new SetMultimap<string, number>();
    map.add('a', 1);

    map.delete('a', 1);

    expect(map.get('a')).toBeUndefined();
    expect(map.keyCount).toBe(0);
    expect(map.valueCount).toBe(0);
  });

  it('counts a repeated add once', () => {
    const map = new SetMultimap<string, number>();
    map.add('a', 1);
    map.add('a', 1);
    map.delete('a', 2);
    map.delete('b', 1);

    expect(map.valueCount).toBe(1);
  });

  it('clears everything', () => {
    const map = new SetMultimap<string, number>();
    map.add('a', 1);

    map.clear();

    expect(map.keyCount).toBe(0);
    expect(map.valueCount).toBe(0);
  });
});
