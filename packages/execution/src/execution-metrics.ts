import type { ExecutorState } from './execution-strategy.js';

/**
 * One metrics snapshot of an executor. Counters (`accepted` to `cancelled`, `totalDurationMs`)
 * count from the executor's creation and never decrease; gauges (`queueDepth`, `inFlight`,
 * `overdue`) are the values at `timestamp`.
 *
 * Each accepted message ends in exactly one of: its handler settled (`executed`), it timed out
 * (`timedOut`), or it was cancelled before its handler settled (`cancelled`), unless it is still
 * counted in `queueDepth` or `inFlight`. A timed-out or cancelled handler that later settles is
 * counted in `executed` too, once it releases its slot.
 *
 * @example
 * ```ts
 * executor.metrics.subscribe((m) => console.log(`${m.bulkhead}: ${m.inFlight} running, ${m.queueDepth} queued`));
 * ```
 */
export interface ExecutionMetrics {
  /** Strategy name, for example `"serial"`. */
  readonly strategy: string;

  /** Name of the executor's bulkhead (defaults to the strategy name). */
  readonly bulkhead: string;

  /** Lifecycle state when the snapshot was taken. */
  readonly state: ExecutorState;

  /** Wall-clock time of the snapshot, in milliseconds since the Unix epoch. */
  readonly timestamp: number;

  /** Messages admitted: run at once or queued. */
  readonly accepted: number;

  /** Handler calls that settled (fulfilled or rejected), whatever their caller saw. */
  readonly executed: number;

  /** Handler calls that threw or rejected (a subset of `executed`). */
  readonly failed: number;

  /**
   * Calls rejected at admission: bulkhead full, executor not running, invalid arguments or a
   * signal that was already aborted.
   */
  readonly rejected: number;

  /** Calls whose handler ran past `timeoutMs`; their callers got `ExecutionTimeoutError`. */
  readonly timedOut: number;

  /**
   * Accepted calls settled before their handler did: the caller's signal aborted, `stop()`
   * rejected them while queued or ran out of time, or the executor failed.
   */
  readonly cancelled: number;

  /** Messages waiting for a slot. */
  readonly queueDepth: number;

  /** Handlers holding a slot, including overdue ones. */
  readonly inFlight: number;

  /**
   * Handlers still holding a slot although their caller was already settled (timed out,
   * cancelled or failed): they ignored their abort signal. A subset of `inFlight`.
   */
  readonly overdue: number;

  /** Configured concurrency limit (`Infinity` when unlimited). */
  readonly maxConcurrency: number;

  /** Configured queue limit (`Infinity` when unlimited). */
  readonly maxQueue: number;

  /**
   * Settled handler calls whose duration was measured; `totalDurationMs / measured` is their mean.
   * Equal to `executed` when every call is measured (a timeout, hops or `measureDurations`);
   * otherwise only calls that started while `metrics` had a subscriber are measured.
   */
  readonly measured: number;

  /** Sum of the durations of the `measured` handler calls, in milliseconds. */
  readonly totalDurationMs: number;

  /**
   * Longest `measured` handler call that settled since the previous snapshot, in milliseconds
   * (0 if none).
   */
  readonly maxDurationMs: number;
}

/**
 * Mutable counters behind {@link ExecutionMetrics}. The executor increments plain fields on the
 * hot path and builds a snapshot object only when one is emitted or read.
 */
export class ExecutionCounters {
  accepted = 0;
  executed = 0;
  failed = 0;
  rejected = 0;
  timedOut = 0;
  cancelled = 0;
  measured = 0;
  totalDurationMs = 0;
  maxDurationMs = 0;

  /** Adds one settled handler call of `durationMs` milliseconds. */
  recordDuration(durationMs: number): void {
    this.measured++;
    this.totalDurationMs += durationMs;

    if (durationMs > this.maxDurationMs) {
      this.maxDurationMs = durationMs;
    }
  }
}
