import { streamKeyArbitrary } from '@whizbang/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { hashKey64, jumpConsistentHash } from '../src/jump-hash.js';
import { multiply64, result } from '../src/uint64.js';

const MASK_64 = (1n << 64n) - 1n;

/** Splits a 64-bit BigInt into the [hi, lo] 32-bit halves the arithmetic works on. */
function split(value: bigint): [number, number] {
  return [Number(value >> 32n), Number(value & 0xffffffffn)];
}

/** Reads `result` of the last 64-bit operation as a BigInt. */
function resultAsBigInt(): bigint {
  return (BigInt(result.hi) << 32n) | BigInt(result.lo);
}

/** 64-bit FNV-1a of the UTF-8 bytes, then MurmurHash3 fmix64, on BigInt: the specification. */
function referenceKeyHash(key: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & MASK_64;
  }

  hash ^= hash >> 33n;
  hash = (hash * 0xff51afd7ed558ccdn) & MASK_64;
  hash ^= hash >> 33n;
  hash = (hash * 0xc4ceb9fe1a85ec53n) & MASK_64;
  hash ^= hash >> 33n;
  return hash;
}

/** Lamping and Veach's jump consistent hash on BigInt, line by line as their C++ code. */
function referenceJump(key: bigint, buckets: number): number {
  let bucket = -1;
  let jump = 0;
  let state = key;
  while (jump < buckets) {
    bucket = jump;
    state = (state * 2862933555777941757n + 1n) & MASK_64;
    jump = Math.floor((bucket + 1) * (2 ** 31 / (Number(state >> 33n) + 1)));
  }
  return bucket;
}

const uint64 = fc.bigInt({ min: 0n, max: MASK_64 });

describe('multiply64', () => {
  it('matches BigInt multiplication mod 2^64', () => {
    fc.assert(
      fc.property(uint64, uint64, (left, right) => {
        multiply64(...split(left), ...split(right));
        expect(resultAsBigInt()).toBe((left * right) & MASK_64);
      }),
      { numRuns: 20_000 },
    );
  });

  it('handles the largest operands', () => {
    multiply64(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);
    expect(resultAsBigInt()).toBe((MASK_64 * MASK_64) & MASK_64);
  });
});

describe('hashKey64', () => {
  it('is FNV-1a 64 plus fmix64 of the UTF-8 bytes', () => {
    fc.assert(
      fc.property(streamKeyArbitrary(), (key) => {
        hashKey64(key);
        expect(resultAsBigInt()).toBe(referenceKeyHash(key));
      }),
      { numRuns: 10_000 },
    );
  });

  it('hashes the empty key to fmix64 of the FNV offset basis', () => {
    hashKey64('');
    expect(resultAsBigInt()).toBe(referenceKeyHash(''));
  });
});

describe('jumpConsistentHash', () => {
  // Buckets for 1..19 buckets, generated from the reference C++ code (published with the
  // Go port github.com/dgryski/go-jump).
  it.each([
    [0n, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    [1n, [0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]],
    [0xdeadbeefn, [0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]],
    [0x0ddc0ffeebadf00dn, [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15]],
  ])('matches the reference for key %s', (key, expected) => {
    const [hi, lo] = split(key);
    expect(expected.map((_, index) => jumpConsistentHash(hi, lo, index + 1))).toEqual(expected);
  });

  it('matches the BigInt reference', () => {
    fc.assert(
      fc.property(uint64, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (key, buckets) => {
        expect(jumpConsistentHash(...split(key), buckets)).toBe(referenceJump(key, buckets));
      }),
      { numRuns: 20_000 },
    );
  });
});
