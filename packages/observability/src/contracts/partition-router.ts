import type { PolicyContext } from '../policy-context.js';

/**
 * Chooses the partition (0 to `partitionCount - 1`) that a stream's messages run on.
 *
 * Contract (proved for every router by `describePartitionRouterContract` in `@whizbang/testkit`):
 * the result is an integer in `[0, partitionCount)`; a `partitionCount` that is not a positive
 * integer throws a `RangeError`; a non-string `streamKey` throws a `TypeError`; empty, Unicode and
 * very long keys work. Key-based routers return the same answer for the same key in every process.
 *
 * @example
 * ```ts
 * const partition = router.selectPartition('order-42', 4); // 0..3
 * ```
 */
export interface PartitionRouter {
  /** Short name shown in decision trails and explain output, for example `"hash"`. */
  readonly name: string;

  /** Returns the partition of `streamKey`; stateful routers (round-robin) advance their state. */
  selectPartition(streamKey: string, partitionCount: number, context?: PolicyContext): number;

  /**
   * Returns what the next `selectPartition` call with the same arguments would return, without
   * advancing any state. Only stateful routers need it: explain (a dry run) calls it when present
   * and `selectPartition` otherwise.
   */
  previewPartition?(streamKey: string, partitionCount: number, context?: PolicyContext): number;
}
