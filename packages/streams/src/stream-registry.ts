import type { HopRecorder } from '@whizbang/execution';
import { performanceClock, systemClock, type Clock, type MonotonicClock } from '@whizbang/observability';
import type { ResolvedPolicy } from '@whizbang/policies';

import { abortable, InMemoryStream } from './in-memory-stream.js';
import type { Stream } from './stream.js';

/**
 * Options of {@link StreamRegistry}.
 *
 * @example
 * ```ts
 * const registry = new StreamRegistry({ idleTimeoutMs: 30_000, recordHops: true });
 * ```
 */
export interface StreamRegistryOptions {
  /**
   * Milliseconds a lane may stay without messages before it is closed and forgotten (its
   * executor stopped). A later message creates the lane again. A positive number, or `Infinity`
   * to keep lanes forever. Default 60,000.
   */
  readonly idleTimeoutMs?: number;

  /**
   * Milliseconds between two looks for idle lanes by a background timer (unref'd, so it never
   * keeps the process alive; it runs only while lanes exist). A lane is closed after between
   * `idleTimeoutMs` and `idleTimeoutMs + sweepIntervalMs` without messages. 0 turns the timer
   * off; call `evictIdle()` yourself then. Default: `idleTimeoutMs`, at most 2,147,483,647.
   */
  readonly sweepIntervalMs?: number;

  /** Clock that measures idle time, such as a test's manual clock. Default `performance.now()`. */
  readonly idleClock?: MonotonicClock;

  /** Wall clock of hop timestamps and executor metrics. Default `Date.now()`. */
  readonly clock?: Clock;

  /** Whether executors append a hop to each envelope they run. Default true. */
  readonly recordHops?: boolean;

  /** Whether hops capture the call site that dispatched the message (about a microsecond each). Default true. */
  readonly captureCallers?: boolean;

  /** Replaces the executors' hop recording (default: append a hop with the caller of `execute()`). */
  readonly hopRecorder?: HopRecorder;

  /** Receives errors of lanes that failed to close after being evicted. Default: `console.error`. */
  readonly onError?: (error: unknown) => void;
}

/** A lane with the activity readings that idle eviction compares. */
interface LaneRecord {
  readonly lane: InMemoryStream;

  /** `lane.activity` at the last sweep that saw it change. */
  seenActivity: number;

  /** Idle-clock reading of that sweep (or of the lane's creation). */
  lastActiveAt: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Lanes by topic and partition: one {@link Stream} per (topic, partition), created on first use
 * from the policy that routed the message there, and closed again after being idle for
 * `idleTimeoutMs`. The number of lanes is bounded by the sum of the partitions of the topics in
 * use, whatever the number of stream keys.
 *
 * @example
 * ```ts
 * const registry = new StreamRegistry();
 * const lane = registry.getOrCreate(policy, 2);
 * await lane.run(envelope, handler, context);
 * await registry.close();
 * ```
 */
export class StreamRegistry {
  readonly idleTimeoutMs: number;
  readonly sweepIntervalMs: number;

  readonly #byTopic = new Map<string, (LaneRecord | undefined)[]>();
  readonly #idleClock: MonotonicClock;
  readonly #clock: Clock;
  readonly #recordHops: boolean;
  readonly #captureCallers: boolean;
  readonly #onError: (error: unknown) => void;
  readonly #hopRecorder: HopRecorder | undefined;
  #size = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** @throws TypeError or RangeError naming the invalid option. */
  constructor(options: StreamRegistryOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('Invalid StreamRegistry options: pass an object or nothing.');

    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (typeof idleTimeoutMs !== 'number' || !(idleTimeoutMs > 0)) {
      throw new RangeError(`Invalid idleTimeoutMs: ${String(idleTimeoutMs)}. Pass a positive number of milliseconds, or Infinity to keep lanes.`);
    }
    const sweepIntervalMs = options.sweepIntervalMs ?? (idleTimeoutMs === Infinity ? 0 : Math.min(idleTimeoutMs, MAX_TIMER_MS));
    if (typeof sweepIntervalMs !== 'number' || !Number.isFinite(sweepIntervalMs) || sweepIntervalMs < 0 || sweepIntervalMs > MAX_TIMER_MS) {
      throw new RangeError(`Invalid sweepIntervalMs: ${String(sweepIntervalMs)}. Pass milliseconds from 0 (no timer) to ${MAX_TIMER_MS}.`);
    }
    for (const name of ['idleClock', 'clock'] as const) {
      const clock = options[name];
      if (clock !== undefined && typeof clock?.now !== 'function') throw new TypeError(`Invalid ${name}: pass an object with a now() method.`);
    }
    for (const name of ['recordHops', 'captureCallers'] as const) {
      const value = options[name];
      if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`Invalid ${name}: ${String(value)}. Pass true or false.`);
    }
    if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('Invalid onError: pass a function.');
    if (options.hopRecorder !== undefined && typeof options.hopRecorder !== 'function') throw new TypeError('Invalid hopRecorder: pass a function.');

    this.idleTimeoutMs = idleTimeoutMs;
    this.sweepIntervalMs = sweepIntervalMs;
    this.#idleClock = options.idleClock ?? performanceClock;
    this.#clock = options.clock ?? systemClock;
    this.#recordHops = options.recordHops ?? true;
    this.#captureCallers = options.captureCallers ?? true;
    this.#hopRecorder = options.hopRecorder;
    this.#onError = options.onError ?? ((error) => console.error('Whizbang stream registry: a lane failed to close.', error));
  }

  /** Number of lanes currently open. */
  get size(): number {
    return this.#size;
  }

  /**
   * Returns the lane of `policy.topic` and `partitionIndex`, creating it with the policy's
   * strategy, concurrency and timeout when it does not exist.
   *
   * @throws RangeError when `partitionIndex` is outside the policy's partitions.
   * @throws TypeError after `close()`, or when the policy's strategy factory returns no strategy.
   */
  getOrCreate<TMessage>(policy: ResolvedPolicy<TMessage>, partitionIndex: number): Stream {
    let records = this.#byTopic.get(policy.topic);
    const existing = records?.[partitionIndex];
    if (existing !== undefined) return existing.lane;

    if (this.#closed) throw new TypeError('The stream registry is closed; it creates no more lanes.');
    if (!Number.isSafeInteger(partitionIndex) || partitionIndex < 0 || partitionIndex >= policy.partitions) {
      throw new RangeError(`Invalid partitionIndex ${String(partitionIndex)} for topic "${policy.topic}": expected an integer from 0 to ${policy.partitions - 1}.`);
    }

    const name = `${policy.topic}#${partitionIndex}`;
    const strategy = policy.strategy.create({
      bulkheadName: name,
      maxConcurrency: policy.concurrency,
      ...(policy.timeoutMs === undefined ? {} : { timeoutMs: policy.timeoutMs }),
      recordHops: this.#recordHops,
      captureCallers: this.#captureCallers,
      clock: this.#clock,
      autoStart: true,
      ...(this.#hopRecorder === undefined ? {} : { hopRecorder: this.#hopRecorder }),
    });
    const lane = new InMemoryStream({ topic: policy.topic, partitionIndex, strategy, ordered: policy.strategy.ordered });

    if (records === undefined) {
      records = [];
      this.#byTopic.set(policy.topic, records);
    }
    records[partitionIndex] = { lane, seenActivity: 0, lastActiveAt: this.#idleClock.now() };
    this.#size += 1;
    this.#startTimer();
    return lane;
  }

  /** Returns the lane of `topic` and `partitionIndex`, or undefined when it is not open. */
  get(topic: string, partitionIndex: number): Stream | undefined {
    return this.#byTopic.get(topic)?.[partitionIndex]?.lane;
  }

  /** Returns every open lane. */
  *streams(): IterableIterator<Stream> {
    for (const records of this.#byTopic.values()) {
      for (const record of records) if (record !== undefined) yield record.lane;
    }
  }

  /**
   * Resolves once every lane is idle, including messages that arrive while it waits. Lanes stay
   * open. Rejects with `signal.reason` when `signal` aborts first.
   */
  async drain(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const busy: Promise<void>[] = [];
      for (const lane of this.streams()) if (lane.pendingCount > 0) busy.push(lane.whenIdle());
      if (busy.length === 0) return;
      await abortable(Promise.all(busy), signal);
    }
  }

  /**
   * Closes the lanes that had no message for at least `idleTimeoutMs` as measured between
   * sweeps, and returns how many it closed. The background timer calls it; call it yourself
   * when `sweepIntervalMs` is 0.
   */
  evictIdle(): number {
    const now = this.#idleClock.now();
    let evicted = 0;

    for (const [topic, records] of this.#byTopic) {
      let open = 0;
      for (let partition = 0; partition < records.length; partition++) {
        const record = records[partition];
        if (record === undefined) continue;

        const lane = record.lane;
        if (lane.activity !== record.seenActivity || lane.pendingCount > 0) {
          record.seenActivity = lane.activity;
          record.lastActiveAt = now;
          open += 1;
          continue;
        }
        if (now - record.lastActiveAt < this.idleTimeoutMs) {
          open += 1;
          continue;
        }

        records[partition] = undefined;
        this.#size -= 1;
        evicted += 1;
        lane.close().catch(this.#onError);
      }
      if (open === 0) this.#byTopic.delete(topic);
    }

    if (this.#size === 0) this.#stopTimer();
    return evicted;
  }

  /**
   * Stops creating lanes, waits until every lane is idle, then drains and stops each lane's
   * strategy. When `signal` aborts first, stops every strategy at once (aborting running
   * handlers and rejecting waiting messages) and rejects with `signal.reason`.
   */
  async close(signal?: AbortSignal): Promise<void> {
    this.#closed = true;
    this.#stopTimer();

    // Forget the lanes first, so that messages still arriving get the closed registry's error.
    const lanes = [...this.streams()];
    this.#byTopic.clear();
    this.#size = 0;
    const results = await Promise.allSettled(lanes.map((lane) => lane.close(signal)));

    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  #startTimer(): void {
    if (this.#timer !== undefined || this.sweepIntervalMs === 0) return;
    this.#timer = setInterval(() => this.evictIdle(), this.sweepIntervalMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
