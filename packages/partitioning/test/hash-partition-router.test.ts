import { streamKeyArbitrary, describePartitionRouterContract } from '@whizbang/testkit';
import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { HashPartitionRouter, murmur2 } from '../src/index.js';

describePartitionRouterContract('HashPartitionRouter', () => new HashPartitionRouter(), {
  crossProcess: { moduleUrl: new URL('../dist/index.js', import.meta.url), exportName: 'HashPartitionRouter' },
});

/** Partition metadata of a topic with `count` partitions, all with a leader. */
function topicPartitions(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
}

describe('HashPartitionRouter', () => {
  const router = new HashPartitionRouter();

  it('is named hash', () => {
    expect(router.name).toBe('hash');
  });

  it('puts foobar in partition 6 of 10', () => {
    expect(router.selectPartition('foobar', 10)).toBe(6);
  });

  it('clears the sign bit like Kafka', () => {
    // murmur2('21') is negative; Math.abs would give 973932308 % 7 = 4, and >>> 0 another value.
    expect(murmur2('21')).toBeLessThan(0);
    expect(router.selectPartition('21', 7)).toBe((-973932308 & 0x7fffffff) % 7);
  });

  it('matches the KafkaJS DefaultPartitioner on 100,000 keys', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    const metadataByCount = new Map<number, PartitionMetadata[]>();

    fc.assert(
      fc.property(streamKeyArbitrary(), fc.integer({ min: 1, max: 1000 }), (key, count) => {
        let partitionMetadata = metadataByCount.get(count);
        if (partitionMetadata === undefined) {
          partitionMetadata = topicPartitions(count);
          metadataByCount.set(count, partitionMetadata);
        }

        const expected = partitioner({ topic: 'orders', partitionMetadata, message: { key, value: null } });
        expect(router.selectPartition(key, count)).toBe(expected);
      }),
      { numRuns: 100_000 },
    );
  });
});
