/**
 * Hands out per-stream sequence numbers: the order in which a stream's messages were accepted.
 *
 * Contract (proved for every provider by `describeSequenceProviderContract` in `@whizbang/testkit`):
 * - The first `getNext` of an unknown stream returns 1, and `getCurrent` of an unknown stream returns 0.
 * - Within one stream, numbers are strictly increasing and never handed out twice, under any
 *   number of concurrent callers. Streams are independent of each other.
 * - Values are integers no greater than `Number.MAX_SAFE_INTEGER`; a provider that would pass it
 *   rejects with a `RangeError` rather than hand out a rounded duplicate.
 * - `reset(streamKey, n)` makes the next `getNext` return `n + 1`.
 * - A call whose `signal` is already aborted, or aborts before the number is assigned, rejects
 *   with the signal's reason and consumes no number.
 * - An empty or non-string `streamKey`, or a negative or non-integer reset value, is rejected with
 *   a `TypeError` or `RangeError` that names the argument.
 *
 * @example
 * ```ts
 * const next = await provider.getNext('order-42'); // 1, then 2, 3, ...
 * ```
 */
export interface SequenceProvider {
  /** Short name shown in decision trails and explain output, for example `"in-memory"`. */
  readonly name: string;

  /** Assigns and returns the next number of `streamKey`. */
  getNext(streamKey: string, signal?: AbortSignal): Promise<number>;

  /** Returns the last number handed out for `streamKey` (0 when none was) without consuming one. */
  getCurrent(streamKey: string, signal?: AbortSignal): Promise<number>;

  /**
   * Sets the last handed-out number of `streamKey` to `newValue` (default 0), so the next
   * `getNext` returns `newValue + 1`. Meant for tests and administration: resetting a live
   * stream backwards lets numbers repeat.
   */
  reset(streamKey: string, newValue?: number, signal?: AbortSignal): Promise<void>;
}
