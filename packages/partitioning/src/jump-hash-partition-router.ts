import type { PartitionRouter, PolicyContext } from '@whizbang/observability';

import { hashKey64, jumpConsistentHash } from './jump-hash.js';
import { result } from './uint64.js';
import { validatePartitionArguments } from './validate.js';

/**
 * Routes a stream key with jump consistent hash (Lamping and Veach, 2014). When the partition
 * count grows from n to n + 1, only about 1/(n + 1) of the keys move, each to the new partition
 * n. The modulo of {@link HashPartitionRouter} moves about n/(n + 1) of them.
 *
 * The 64-bit key given to the jump function is 64-bit FNV-1a over the key's UTF-8 bytes (a
 * lone surrogate as U+FFFD), finalized with MurmurHash3's fmix64. Another language reproduces
 * the partitions by running the same three steps. Stateless and deterministic across processes;
 * no allocation per call.
 *
 * @example
 * ```ts
 * const router = new JumpHashPartitionRouter();
 * const before = router.selectPartition('order-42', 8);
 * const after = router.selectPartition('order-42', 9); // before, or 8
 * ```
 */
export class JumpHashPartitionRouter implements PartitionRouter {
  /** Name shown in decision trails: `"jump-hash"`. */
  readonly name = 'jump-hash';

  /**
   * Returns the partition of `streamKey` among `partitionCount` partitions. `context` is not
   * read: the partition depends on the key only.
   *
   * @throws TypeError when `streamKey` is not a string.
   * @throws RangeError when `partitionCount` is not a positive safe integer.
   */
  selectPartition(streamKey: string, partitionCount: number, _context?: PolicyContext): number {
    validatePartitionArguments(streamKey, partitionCount);

    hashKey64(streamKey);
    return jumpConsistentHash(result.hi, result.lo, partitionCount);
  }
}
