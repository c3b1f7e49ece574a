import type { PartitionRouter, PolicyContext } from '@whizbang/observability';

import { murmur2 } from './murmur2.js';
import { validatePartitionArguments } from './validate.js';

/**
 * Routes a stream key to a partition the way Kafka's default partitioner does for a keyed
 * record: `(murmur2(utf8(key)) & 0x7fffffff) % partitionCount`. A Whizbang stream therefore
 * lands on the same partition number as a Kafka record (Java client or KafkaJS
 * `DefaultPartitioner`) with the same key and partition count.
 *
 * Stateless: the same key and count give the same partition in every process and on every
 * platform. Adding partitions moves most keys; use {@link JumpHashPartitionRouter} when
 * partition counts change and keys should stay put.
 *
 * @example
 * ```ts
 * const router = new HashPartitionRouter();
 * router.selectPartition('foobar', 10); // 6, as Kafka
 * ```
 */
export class HashPartitionRouter implements PartitionRouter {
  /** Name shown in decision trails: `"hash"`. */
  readonly name = 'hash';

  /**
   * Returns the partition of `streamKey` among `partitionCount` partitions. `context` is not
   * read: the partition depends on the key only.
   *
   * @throws TypeError when `streamKey` is not a string.
   * @throws RangeError when `partitionCount` is not a positive safe integer.
   */
  selectPartition(streamKey: string, partitionCount: number, _context?: PolicyContext): number {
    validatePartitionArguments(streamKey, partitionCount);

    // `& 0x7fffffff` (Kafka's Utils.toPositive), not Math.abs or `>>> 0`: it clears the sign
    // bit, and only that matches Kafka's partition for negative hashes.
    return (murmur2(streamKey) & 0x7fffffff) % partitionCount;
  }
}
