import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { PostgresSequenceFloor, type PostgresSequenceFloorOptions } from '../src/index.js';
import { testDatabaseUrl, uniqueSchema } from './support/postgres.js';

const floors: PostgresSequenceFloor[] = [];

function createFloor(options: Partial<PostgresSequenceFloorOptions> = {}): PostgresSequenceFloor {
  const floor = new PostgresSequenceFloor({ connectionString: testDatabaseUrl(), schema: uniqueSchema(), ...options });
  floors.push(floor);
  return floor;
}

afterEach(async () => {
  await Promise.all(floors.splice(0).map((floor) => floor.close()));
});

describe('PostgresSequenceFloor', () => {
  it('loads 0 for an unknown stream', async () => {
    expect(await createFloor().load('order-1')).toBe(0);
  });

  it('only rises', async () => {
    const floor = createFloor();

    expect(await floor.raise('order-1', 10)).toBe(0);
    expect(await floor.raise('order-1', 5)).toBe(10);
    expect(await floor.load('order-1')).toBe(10);
    expect(await floor.raise('order-1', 12)).toBe(10);
    expect(await floor.load('order-1')).toBe(12);
  });

  it('keeps namespaces apart', async () => {
    const schema = uniqueSchema();
    const first = createFloor({ schema, namespace: 'first' });
    const second = createFloor({ schema, namespace: 'second' });

    await first.raise('order-1', 7);
    expect(await second.load('order-1')).toBe(0);
    expect(await first.load('order-1')).toBe(7);
  });

  it('serialises concurrent raises', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 40 }), async (values) => {
        // Each run closes its own pool: 15 runs of up to 40 concurrent raises would otherwise
        // keep every pool open until afterEach and exceed the server's max_connections.
        const floor = createFloor();
        let previous: number[];
        let loaded: number;
        try {
          previous = await Promise.all(values.map((value) => floor.raise('race', value)));
          loaded = await floor.load('race');
        } finally {
          floors.splice(floors.indexOf(floor), 1);
          await floor.close();
        }

        // Each raise covers (previous, max(previous, value)]: covered ranges never overlap and
        // together reach exactly the highest value.
        const ranges = values
          .map((value, index) => ({ from: previous[index]!, to: Math.max(previous[index]!, value) }))
          .filter((range) => range.to > range.from)
          .sort((a, b) => a.from - b.from);
        let reached = 0;
        for (const range of ranges) {
          expect(range.from).toBe(reached);
          reached = range.to;
        }
        expect(reached).toBe(Math.max(...values));
        expect(loaded).toBe(Math.max(...values));
      }),
      { numRuns: 15 },
    );
  });

  it('rejects invalid arguments naming them', async () => {
    const floor = createFloor();

    await expect(floor.raise('order-1', -1)).rejects.toThrow(/value/);
    await expect(floor.raise('', 1)).rejects.toThrow(/streamKey/);
    await expect(floor.load('x'.repeat(513))).rejects.toThrow(RangeError);
    expect(() => new PostgresSequenceFloor({ connectionString: testDatabaseUrl(), namespace: '' })).toThrow(/options\.namespace/);
  });
});
