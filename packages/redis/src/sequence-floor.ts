/**
 * Durable record, outside Redis, of how far a stream's numbers may have gone: its floor. A
 * `RedisSequenceProvider` with a floor raises it before it hands out a number above it, and
 * restarts a lost counter key from it. So a key that vanishes from Redis (deleted, evicted, or
 * lost in a restart without persistence) never makes numbers repeat.
 *
 * Requirements of an implementation:
 * - `load` returns the current floor, 0 for a stream never raised.
 * - `raise(streamKey, value)` sets the floor to `max(floor, value)` durably (the write must
 *   survive a crash before the promise resolves) and returns the floor from before the call.
 * - Raises of one stream are atomic and applied one after another, across processes: for any
 *   number `n`, at most one raise returns a previous floor below `n` and leaves the floor at or
 *   above `n`.
 *
 * `PostgresSequenceFloor` from `@whizbang/postgres` implements it.
 *
 * @example
 * ```ts
 * const floor: SequenceFloor = new PostgresSequenceFloor({ connectionString, namespace: 'orders' });
 * const provider = new RedisSequenceProvider({ url: 'redis://127.0.0.1:6379', floor });
 * ```
 */
export interface SequenceFloor {
  /** Short name used in error messages, such as `"postgres"`. */
  readonly name: string;

  /** Returns the floor of `streamKey`, or 0 when it was never raised. The provider hands out no number above it. */
  load(streamKey: string, signal?: AbortSignal): Promise<number>;

  /** Raises the floor of `streamKey` to at least `value` and returns the floor from before the call. */
  raise(streamKey: string, value: number, signal?: AbortSignal): Promise<number>;
}
