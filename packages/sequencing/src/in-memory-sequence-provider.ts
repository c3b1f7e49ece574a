import { describeArgument, type SequenceProvider } from '@whizbang/observability';

import { validateResetValue, validateSignal, validateStreamKey } from './validate.js';

/**
 * Source of monotonic time in milliseconds, such as `performance.now()`. Only differences
 * between readings matter, so the origin is arbitrary, but the readings must never go backwards.
 *
 * @example
 * ```ts
 * let now = 0;
 * const clock: MonotonicClock = { now: () => now }; // a test steps `now` forwards
 * ```
 */
export interface MonotonicClock {
  /** Current time in milliseconds since an arbitrary origin. */
  now(): number;
}

/** Options of {@link InMemorySequenceProvider}. Every option is optional. */
export interface InMemorySequenceProviderOptions {
  /**
   * Milliseconds a stream may go without a call before its counter may be evicted, to bound
   * memory when stream keys never repeat (one stream per request id, for example). A positive
   * finite number. Default: undefined, so no counter is ever evicted.
   *
   * With eviction on, numbering still never repeats within a stream: a stream that is not in
   * memory (new or evicted) starts above the highest number any evicted counter had handed out.
   * Evicted streams therefore see a gap, and a brand-new stream may start above 1.
   */
  readonly idleTimeoutMs?: number;

  /** Clock that measures idle time. Default: `performance.now()`. Read only when eviction is on. */
  readonly clock?: MonotonicClock;
}

/** Counter of one stream, mutated in place so that an existing stream's call allocates nothing. */
class StreamCounter {
  constructor(
    /** Last number handed out (0 before the first). */
    public value: number,
    /** Clock reading of the last call on this stream; kept only when eviction is on. */
    public lastUsedAt: number,
  ) {}
}

/**
 * Returns a promise rejected with `reason` unchanged. An abort reason may be any value, and
 * callers compare it by identity, so it is not wrapped in an Error.
 */
function rejectWith(reason: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- see above
  return Promise.reject(reason);
}

const defaultClock: MonotonicClock = { now: () => performance.now() };

/**
 * Hands out per-stream sequence numbers from memory, for tests and single-process services.
 * Numbers are lost when the process ends, so several processes that share streams need a
 * provider backed by a shared store.
 *
 * - The first `getNext` of a stream returns 1, and `getCurrent` of a stream never seen returns 0
 *   (with eviction on, both count from the eviction floor instead: see `idleTimeoutMs`).
 * - Numbers go up to `Number.MAX_SAFE_INTEGER`; the call after that throws a `RangeError`
 *   instead of handing out a rounded duplicate.
 * - The counter update is synchronous, so concurrent callers in one process can never receive
 *   the same number. The async methods exist to satisfy `SequenceProvider`; the `...Sync`
 *   methods are the fast path.
 *
 * @example
 * ```ts
 * const provider = new InMemorySequenceProvider();
 * await provider.getNext('order-42'); // 1
 * provider.getNextSync('order-42'); // 2
 *
 * // Bound memory when keys never repeat: forget streams idle for 10 minutes.
 * const perRequest = new InMemorySequenceProvider({ idleTimeoutMs: 600_000 });
 * ```
 */
export class InMemorySequenceProvider implements SequenceProvider {
  /** Name shown in decision trails: `"in-memory"`. */
  readonly name = 'in-memory';

  private readonly counters = new Map<string, StreamCounter>();
  private readonly idleTimeoutMs: number;
  private readonly evicting: boolean;
  private readonly clock: MonotonicClock;

  /** Highest number any evicted counter had handed out: where streams not in memory start. */
  private evictionFloor = 0;

  /** Clock reading of the last sweep. */
  private lastSweepAt = 0;

  /**
   * Creates a provider with no streams.
   *
   * @throws RangeError when `idleTimeoutMs` is given and is not a positive finite number.
   * @throws TypeError when `clock` is given and has no `now` function.
   */
  constructor(options: InMemorySequenceProviderOptions = {}) {
    const { idleTimeoutMs, clock } = options;

    if (idleTimeoutMs !== undefined && (typeof idleTimeoutMs !== 'number' || !Number.isFinite(idleTimeoutMs) || idleTimeoutMs <= 0)) {
      throw new RangeError(
        `idleTimeoutMs must be a positive finite number of milliseconds or undefined (no eviction); received ${describeArgument(idleTimeoutMs)}.`,
      );
    }
    if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')) {
      throw new TypeError(`clock must be an object with a now() method returning milliseconds; received ${describeArgument(clock)}.`);
    }

    this.evicting = idleTimeoutMs !== undefined;
    this.idleTimeoutMs = idleTimeoutMs ?? Infinity;
    this.clock = clock ?? defaultClock;
    if (this.evicting) this.lastSweepAt = this.clock.now();
  }

  /** Number of streams whose counters are held in memory. */
  get size(): number {
    return this.counters.size;
  }

  /**
   * Assigns and returns the next number of `streamKey`.
   *
   * @throws TypeError when `streamKey` is empty or not a string.
   * @throws RangeError when the stream has already handed out `Number.MAX_SAFE_INTEGER`.
   */
  getNextSync(streamKey: string): number {
    validateStreamKey(streamKey);
    return this.next(streamKey);
  }

  /**
   * Returns the last number handed out for `streamKey`, without consuming one: 0 for a stream
   * never seen, or with eviction on, the eviction floor for a stream not in memory (the next
   * `getNext` then returns this value + 1).
   *
   * @throws TypeError when `streamKey` is empty or not a string.
   */
  getCurrentSync(streamKey: string): number {
    validateStreamKey(streamKey);
    return this.current(streamKey);
  }

  /**
   * Assigns and returns the next number of `streamKey`, as {@link getNextSync}. Rejects with
   * `signal.reason`, consuming no number, when `signal` is already aborted.
   */
  getNext(streamKey: string, signal?: AbortSignal): Promise<number> {
    try {
      validateStreamKey(streamKey);
      validateSignal(signal);
      signal?.throwIfAborted();
      return Promise.resolve(this.next(streamKey));
    } catch (error) {
      return rejectWith(error);
    }
  }

  /**
   * Returns the last number handed out for `streamKey`, as {@link getCurrentSync}. Rejects with
   * `signal.reason` when `signal` is already aborted.
   */
  getCurrent(streamKey: string, signal?: AbortSignal): Promise<number> {
    try {
      validateStreamKey(streamKey);
      validateSignal(signal);
      signal?.throwIfAborted();
      return Promise.resolve(this.current(streamKey));
    } catch (error) {
      return rejectWith(error);
    }
  }

  /**
   * Sets the last handed-out number of `streamKey` to `newValue` (default 0), so the next
   * `getNext` returns `newValue + 1`. Resetting a live stream backwards lets numbers repeat,
   * so use it for tests and administration only. Rejects with `signal.reason`, changing
   * nothing, when `signal` is already aborted.
   *
   * Rejects with a `TypeError` for an empty or non-string `streamKey` or a non-number
   * `newValue`, and with a `RangeError` for a `newValue` that is negative, fractional or above
   * `Number.MAX_SAFE_INTEGER`.
   */
  reset(streamKey: string, newValue = 0, signal?: AbortSignal): Promise<void> {
    try {
      validateStreamKey(streamKey);
      validateResetValue(newValue);
      validateSignal(signal);
      signal?.throwIfAborted();

      let counter = this.counters.get(streamKey);
      if (counter === undefined) {
        counter = new StreamCounter(newValue, 0);
        this.counters.set(streamKey, counter);
      }
      counter.value = newValue;
      this.touch(counter);
      return Promise.resolve();
    } catch (error) {
      return rejectWith(error);
    }
  }

  /**
   * Evicts every counter idle for at least `idleTimeoutMs` now, and returns how many it evicted
   * (0 when eviction is off). `getNext`, `getCurrent` and `reset` also sweep, at most once per
   * `idleTimeoutMs`, so a service calls this only to release memory while no calls arrive.
   */
  sweep(): number {
    if (!this.evicting) return 0;
    return this.sweepAt(this.clock.now());
  }

  private next(streamKey: string): number {
    let counter = this.counters.get(streamKey);
    if (counter === undefined) {
      counter = new StreamCounter(this.evictionFloor, 0);
      this.counters.set(streamKey, counter);
    }

    if (counter.value >= Number.MAX_SAFE_INTEGER) {
      throw new RangeError(
        `Stream ${describeArgument(streamKey)} has handed out Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER}), ` +
          'the largest number that is exact in JavaScript. Reset the stream or continue under a new key.',
      );
    }

    if (this.evicting) this.touch(counter);
    counter.value += 1;
    return counter.value;
  }

  private current(streamKey: string): number {
    const counter = this.counters.get(streamKey);
    if (counter === undefined) return this.evictionFloor;

    if (this.evicting) this.touch(counter);
    return counter.value;
  }

  /** Records a call on `counter` and sweeps when the last sweep is `idleTimeoutMs` old. */
  private touch(counter: StreamCounter): void {
    if (!this.evicting) return;

    const now = this.clock.now();
    counter.lastUsedAt = now;

    // One sweep per idle timeout keeps the cost amortised: each sweep visits the counters used
    // within about the last two timeouts, and each call pays for a bounded number of visits.
    if (now - this.lastSweepAt >= this.idleTimeoutMs) this.sweepAt(now);
  }

  private sweepAt(now: number): number {
    this.lastSweepAt = now;
    let evicted = 0;

    // Deleting the current entry while iterating a Map is safe: iteration continues with the next.
    for (const [streamKey, counter] of this.counters) {
      if (now - counter.lastUsedAt < this.idleTimeoutMs) continue;

      // Raise the floor before forgetting the counter, so the stream, if it comes back, starts
      // above every number it ever handed out.
      if (counter.value > this.evictionFloor) this.evictionFloor = counter.value;
      this.counters.delete(streamKey);
      evicted += 1;
    }
    return evicted;
  }
}
