import { describePartitionRouterContract } from '@whizbang/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { RoundRobinPartitionRouter } from '../src/index.js';

describePartitionRouterContract('RoundRobinPartitionRouter', () => new RoundRobinPartitionRouter(), { stateful: true });

describe('RoundRobinPartitionRouter', () => {
  it('is named round-robin', () => {
    expect(new RoundRobinPartitionRouter().name).toBe('round-robin');
  });

  it('gives each partition exactly k of k·n calls', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 50 }), fc.string(), (partitionCount, rounds, key) => {
        const router = new RoundRobinPartitionRouter();
        const counts = new Array<number>(partitionCount).fill(0);
        for (let call = 0; call < rounds * partitionCount; call++) counts[router.selectPartition(key, partitionCount)]! += 1;
        expect(counts).toEqual(new Array<number>(partitionCount).fill(rounds));
      }),
    );
  });

  it('starts at 0 and wraps around', () => {
    const router = new RoundRobinPartitionRouter();
    expect([0, 1, 2, 3, 4, 5, 6].map(() => router.selectPartition('k', 3))).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('keeps one rotation per partition count', () => {
    const router = new RoundRobinPartitionRouter();
    expect(router.selectPartition('a', 3)).toBe(0);
    expect(router.selectPartition('a', 3)).toBe(1);
    expect(router.selectPartition('a', 5)).toBe(0);
    expect(router.selectPartition('a', 3)).toBe(2);
    expect(router.selectPartition('a', 5)).toBe(1);
  });

  it('previews without advancing', () => {
    const router = new RoundRobinPartitionRouter();
    router.selectPartition('a', 4);
    expect(router.previewPartition('a', 4)).toBe(1);
    expect(router.previewPartition('b', 4)).toBe(1);
    expect(router.selectPartition('c', 4)).toBe(1);
    expect(router.previewPartition('a', 2)).toBe(0);
  });

  it('ignores the key', () => {
    const router = new RoundRobinPartitionRouter();
    expect(['same', 'same', 'same', 'same'].map((key) => router.selectPartition(key, 4))).toEqual([0, 1, 2, 3]);
  });
});
