import type { PartitionRouter, PolicyContext } from '@whizbang/observability';

import { validatePartitionArguments } from './validate.js';

/**
 * Spreads messages evenly over the partitions and ignores the key: call i (counting from 0)
 * with a given `partitionCount` n goes to partition `i mod n`, so k·n calls give every
 * partition exactly k messages.
 *
 * The router keeps one counter per distinct `partitionCount`, so policies that share one
 * router with different counts each get an exact rotation starting at partition 0. It keeps
 * one map entry per distinct count it has seen. Messages of one stream land on different
 * partitions, so use it only where per-stream order does not matter.
 *
 * @example
 * ```ts
 * const router = new RoundRobinPartitionRouter();
 * router.selectPartition('any', 3); // 0
 * router.selectPartition('any', 3); // 1
 * router.previewPartition('any', 3); // 2, and the next selectPartition returns 2 too
 * ```
 */
export class RoundRobinPartitionRouter implements PartitionRouter {
  /** Name shown in decision trails: `"round-robin"`. */
  readonly name = 'round-robin';

  /** Next partition to hand out, per partition count. Kept in [0, n), so it never overflows. */
  private readonly nextPartitions = new Map<number, number>();

  /**
   * Returns the next partition in the rotation for `partitionCount` and advances it.
   * `streamKey` is validated but does not influence the result.
   *
   * @throws TypeError when `streamKey` is not a string.
   * @throws RangeError when `partitionCount` is not a positive safe integer.
   */
  selectPartition(streamKey: string, partitionCount: number, _context?: PolicyContext): number {
    validatePartitionArguments(streamKey, partitionCount);

    const partition = this.nextPartitions.get(partitionCount) ?? 0;
    const following = partition + 1;
    this.nextPartitions.set(partitionCount, following === partitionCount ? 0 : following);
    return partition;
  }

  /**
   * Returns what the next {@link selectPartition} with the same `partitionCount` will return,
   * without advancing the rotation (used by explain, a dry run).
   *
   * @throws TypeError when `streamKey` is not a string.
   * @throws RangeError when `partitionCount` is not a positive safe integer.
   */
  previewPartition(streamKey: string, partitionCount: number, _context?: PolicyContext): number {
    validatePartitionArguments(streamKey, partitionCount);
    return this.nextPartitions.get(partitionCount) ?? 0;
  }
}
