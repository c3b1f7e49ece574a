import { randomUUID } from 'node:crypto';

import { HashPartitionRouter } from '@whizbang/partitioning';
import kafkajs from 'kafkajs';

import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult, measureAllocations } from '../harness/item-result.js';
import type { BenchItem } from '../harness/types.js';

const PARTITIONS = 16;

/** Distinct keys, so that no result can be cached; a power of two for cheap wrap-around. */
const KEY_COUNT = 1024;

/**
 * Partition routing of a 36-character key (a UUID, like an aggregate id) against KafkaJS's
 * `DefaultPartitioner` (KafkaJS 2.x), called as a producer calls it. Both must return the same
 * partition for every key before anything is timed.
 */
export const partitionRouting: BenchItem = {
  name: 'partition-routing',
  packages: ['partitioning'],
  title: 'partition routing, 36-char key, 16 partitions',

  async run(mode) {
    const keys = Array.from({ length: KEY_COUNT }, () => randomUUID());
    const router = new HashPartitionRouter();
    const kafkaPartitioner = kafkajs.Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    const messages = keys.map((key) => ({ key, value: null }));

    const route = (index: number): number => router.selectPartition(keys[index] as string, PARTITIONS);
    const routeKafka = (index: number): number =>
      kafkaPartitioner({ topic: 'orders', partitionMetadata, message: messages[index] as { key: string; value: null } });

    for (let index = 0; index < KEY_COUNT; index++) {
      if (route(index) !== routeKafka(index)) {
        throw new Error(`HashPartitionRouter and KafkaJS disagree on key ${keys[index]}: ${route(index)} vs ${routeKafka(index)}.`);
      }
    }

    // Each call routes the next key; the index wraps with a mask, so it stays a small integer.
    let next = 0;
    let nextKafka = 0;
    const routeNext = (): number => route((next = (next + 1) & (KEY_COUNT - 1)));
    const routeNextKafka = (): number => routeKafka((nextKafka = (nextKafka + 1) & (KEY_COUNT - 1)));

    const comparison = await compareCandidates(
      [
        { name: 'HashPartitionRouter', role: 'item', run: routeNext },
        { name: 'KafkaJS DefaultPartitioner', role: 'baseline', run: routeNextKafka },
      ],
      comparisonSettings(mode, 'short'),
    );
    const allocations = measureAllocations({ HashPartitionRouter: routeNext, 'KafkaJS DefaultPartitioner': routeNextKafka });

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      allocations,
      targets: [
        { kind: 'speed', item: 'HashPartitionRouter', baseline: 'KafkaJS DefaultPartitioner', min: 20 },
        { kind: 'allocation', item: 'HashPartitionRouter', maxBytes: 0 },
      ],
      notes: [`Same partition as KafkaJS for all ${KEY_COUNT} keys.`],
    });
  },
};
