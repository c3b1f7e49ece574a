import { describePartitionRouterContract } from '@whizbang/testkit';
import { describe, expect, it } from 'vitest';

import { JumpHashPartitionRouter } from '../src/index.js';

describePartitionRouterContract('JumpHashPartitionRouter', () => new JumpHashPartitionRouter(), {
  crossProcess: { moduleUrl: new URL('../dist/index.js', import.meta.url), exportName: 'JumpHashPartitionRouter' },
});

const KEY_COUNT = 100_000;
const keys = Array.from({ length: KEY_COUNT }, (_, index) => `order-${index}`);

describe('JumpHashPartitionRouter', () => {
  const router = new JumpHashPartitionRouter();

  it('is named jump-hash', () => {
    expect(router.name).toBe('jump-hash');
  });

  it.each([1, 2, 4, 9, 31, 100])('moves about 1/(n + 1) of keys from %i partitions', (partitionCount) => {
    let moved = 0;

    for (const key of keys) {
      const before = router.selectPartition(key, partitionCount);
      const after = router.selectPartition(key, partitionCount + 1);
      if (before === after) continue;

      // Jump hash only ever moves a key to the partition that was added.
      expect(after).toBe(partitionCount);
      moved += 1;
    }

    // The moved count is binomial(100,000, 1/(n + 1)); 6 standard deviations make a false
    // failure practically impossible while a plain modulo (which moves n/(n + 1)) fails.
    const expected = KEY_COUNT / (partitionCount + 1);
    const standardDeviation = Math.sqrt(KEY_COUNT * (1 / (partitionCount + 1)) * (1 - 1 / (partitionCount + 1)));
    expect(Math.abs(moved - expected)).toBeLessThan(6 * standardDeviation);
  });

  it('spreads keys evenly', () => {
    const partitionCount = 10;
    const counts = new Array<number>(partitionCount).fill(0);
    for (const key of keys) counts[router.selectPartition(key, partitionCount)]! += 1;

    // Chi-square with 9 degrees of freedom: 27.88 is the 0.999 quantile.
    const expected = KEY_COUNT / partitionCount;
    const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(27.88);
  });

  it('routes a key the same way as its UTF-8 twin', () => {
    // A lone surrogate is hashed as U+FFFD, like TextEncoder and Buffer encode it.
    expect(router.selectPartition('a\uD800', 1000)).toBe(router.selectPartition('a\uFFFD', 1000));
  });
});
