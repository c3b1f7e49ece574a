import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { TimeIndex, type TimeIndexEntry } from '../../src/trace/time-index.js';

interface Item {
  readonly timestamp: number;
  readonly messageId: string;
}

function item(timestamp: number, messageId: string): Item {
  return { timestamp, messageId };
}

function ids(items: readonly Item[]): string[] {
  return items.map((entry) => entry.messageId);
}

describe('TimeIndex', () => {
  it('returns an inclusive range in time order', () => {
    const index = new TimeIndex<Item>();
    for (const [time, id] of [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']] as const) index.insert(item(time, id));

    expect(ids(index.range(2, 3).items)).toStrictEqual(['b', 'c']);
    expect(ids(index.range(0, 1).items)).toStrictEqual(['a']);
    expect(ids(index.range(4, 9).items)).toStrictEqual(['d']);
    expect(ids(index.range(5, 9).items)).toStrictEqual([]);
  });

  it('breaks timestamp ties by message id', () => {
    const index = new TimeIndex<Item>();
    index.insert(item(1, 'c'));
    index.insert(item(1, 'a'));
    index.insert(item(1, 'b'));

    expect(ids(index.range(1, 1).items)).toStrictEqual(['a', 'b', 'c']);
  });

  it('sorts an insert from a clock stepped back', () => {
    const index = new TimeIndex<Item>();
    index.insert(item(10_000, 'a'));
    index.insert(item(8_000, 'b'));
    index.insert(item(10_001, 'c'));

    expect(ids(index.range(0, 20_000).items)).toStrictEqual(['b', 'a', 'c']);
    expect(ids(index.range(8_000, 8_000).items)).toStrictEqual(['b']);
  });

  it('skips removed entries', () => {
    const index = new TimeIndex<Item>();
    const entries: TimeIndexEntry<Item>[] = [1, 2, 3].map((time) => index.insert(item(time, String(time))));

    index.remove(entries[1]!);

    expect(ids(index.range(0, 9).items)).toStrictEqual(['1', '3']);
    expect(index.size).toBe(2);
  });

  it('ignores a second removal', () => {
    const index = new TimeIndex<Item>();
    const entry = index.insert(item(1, 'a'));
    index.insert(item(2, 'b'));

    index.remove(entry);
    index.remove(entry);

    expect(index.size).toBe(1);
  });

  it('counts visited slots', () => {
    const index = new TimeIndex<Item>();
    for (let time = 0; time < 100; time++) index.insert(item(time, String(time)));

    const result = index.range(10, 14);

    expect(result.items).toHaveLength(5);
    // Five matches plus the first slot after the range, which ends the scan.
    expect(result.visited).toBe(6);
  });

  it('compacts removed slots', () => {
    const index = new TimeIndex<Item>({ minRemovedBeforeCompaction: 4 });
    const entries = Array.from({ length: 100 }, (_, time) => index.insert(item(time, String(time).padStart(3, '0'))));

    for (const entry of entries.slice(0, 90)) {
      index.remove(entry);
      expect(index.slotCount).toBeLessThanOrEqual(Math.max(2 * index.size, index.size + 4));
    }

    expect(index.size).toBe(10);
    expect(ids(index.range(0, 1000).items)).toStrictEqual(entries.slice(90).map((entry) => entry.item.messageId));
  });

  it('rejects an invalid compaction threshold or merge size', () => {
    expect(() => new TimeIndex({ minRemovedBeforeCompaction: 0 })).toThrow(RangeError);
    expect(() => new TimeIndex({ maxPendingBeforeMerge: 1.5 })).toThrow(/options\.maxPendingBeforeMerge: 1\.5/);
  });

  it('answers ranges across out-of-order inserts before and after a merge', () => {
    const index = new TimeIndex<Item>({ maxPendingBeforeMerge: 3 });
    for (const time of [10, 20, 30, 40]) index.insert(item(time, `m${time}`));

    index.insert(item(15, 'p15'));
    index.insert(item(35, 'p35'));
    const beforeMerge = index.range(12, 36);
    index.insert(item(25, 'p25'));
    const afterMerge = index.range(12, 36);

    expect(ids(beforeMerge.items)).toStrictEqual(['p15', 'm20', 'm30', 'p35']);
    expect(beforeMerge.visited).toBe(5);
    expect(ids(afterMerge.items)).toStrictEqual(['p15', 'm20', 'p25', 'm30', 'p35']);
    expect(afterMerge.visited).toBe(6);
  });

  it('matches a sorted array model', () => {
    type Operation = { kind: 'insert'; timestamp: number } | { kind: 'remove'; pick: number } | { kind: 'range'; from: number; to: number };
    const operation: fc.Arbitrary<Operation> = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), timestamp: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('range' as const), from: fc.integer({ min: -2, max: 32 }), to: fc.integer({ min: -2, max: 32 }) }),
    );

    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), fc.integer({ min: 1, max: 6 }), (operations, maxPendingBeforeMerge) => {
        const index = new TimeIndex<Item>({ minRemovedBeforeCompaction: 3, maxPendingBeforeMerge });
        const live: TimeIndexEntry<Item>[] = [];
        let counter = 0;

        for (const step of operations) {
          if (step.kind === 'insert') {
            live.push(index.insert(item(step.timestamp, `id-${String(counter++).padStart(4, '0')}`)));
          } else if (step.kind === 'remove') {
            if (live.length === 0) continue;
            const [entry] = live.splice(step.pick % live.length, 1);
            index.remove(entry!);
          } else {
            const expected = live
              .map((entry) => entry.item)
              .filter((entry) => entry.timestamp >= step.from && entry.timestamp <= step.to)
              .sort((a, b) => a.timestamp - b.timestamp || (a.messageId < b.messageId ? -1 : 1));
            expect(index.range(step.from, step.to).items).toStrictEqual(expected);
          }
          expect(index.size).toBe(live.length);
          expect(index.slotCount).toBeLessThanOrEqual(Math.max(2 * index.size, index.size + 3));
        }
      }),
      { numRuns: 300 },
    );
  });
});
