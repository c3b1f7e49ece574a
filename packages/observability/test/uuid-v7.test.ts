import fc from 'fast-check';
import { v7 } from 'uuid';
import { describe, expect, it } from 'vitest';

import { formatUuidV7, newUuidV7 } from '../src/uuid-v7.js';

const CANONICAL_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('formatUuidV7', () => {
  it('writes what uuid v7() writes for the same timestamp, counter and random bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (milliseconds, counter, random) => {
          // uuid takes the 42 random bits from bytes 10 to 15; formatUuidV7 from 6 bytes at an offset.
          const expected = v7({ msecs: milliseconds, seq: counter, random });

          expect(formatUuidV7(milliseconds, counter, random, 10)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('writes the edge values of each field', () => {
    const zeros = new Uint8Array(6);
    const ones = new Uint8Array(6).fill(0xff);

    expect(formatUuidV7(0, 0, zeros, 0)).toBe('00000000-0000-7000-8000-000000000000');
    expect(formatUuidV7(2 ** 48 - 1, 2 ** 32 - 1, ones, 0)).toBe('ffffffff-ffff-7fff-bfff-ffffffffffff');
  });
});

describe('newUuidV7', () => {
  it('gives canonical, distinct ids across pool refills', () => {
    const ids = new Set<string>();
    for (let index = 0; index < 5_000; index++) {
      const id = newUuidV7(1_700_000_000_000, 7);
      expect(id).toMatch(CANONICAL_V7);
      ids.add(id);
    }

    // Same timestamp and counter, so only the 42 random bits differ: 5,000 draws collide with
    // probability below 2^-18.
    expect(ids.size).toBe(5_000);
  });
});
