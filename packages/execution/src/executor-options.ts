import {
  recordHop,
  systemClock,
  type CallSiteInfo,
  type Clock,
  type HopInit,
  type MessageEnvelope,
} from '@whizbang/observability';

import { validateBoolean, validateDuration, validateLimit, validateName } from './validation.js';

/**
 * Records one hop of a message. Called once per handler call, after the handler settled, with
 * the hop's fields and the position of the code that called `execute()`.
 */
export type HopRecorder = (envelope: MessageEnvelope<unknown>, init: HopInit, caller: CallSiteInfo) => void;

/** Default {@link HopRecorder}, which appends `recordHop(init, caller)` to the envelope. */
export const appendHop: HopRecorder = (envelope, init, caller) => {
  envelope.addHop(recordHop(init, caller));
};

/** Options shared by `SerialExecutor` and `ParallelExecutor`. */
export interface ExecutorOptions {
  /** Bulkhead name shown in errors, metrics and events. Default: the strategy name. */
  readonly bulkheadName?: string;

  /**
   * Messages that may wait for a slot; one more is rejected with `BulkheadRejectedError`.
   * An integer from 0, or `Infinity`. Default `Infinity`.
   */
  readonly maxQueue?: number;

  /**
   * Maximum time a handler may run, in milliseconds from its start (time spent queued does not count).
   * When it passes, the handler's signal aborts and its caller gets `ExecutionTimeoutError`.
   * Greater than 0 and at most 2^31 - 1, or `Infinity`. Default: no timeout.
   */
  readonly timeoutMs?: number;

  /** Milliseconds between metrics snapshots, from 1 to 2^31 - 1. Default 1000. */
  readonly metricsIntervalMs?: number;

  /**
   * Measures the duration of every handler call for the metrics (`totalDurationMs`,
   * `maxDurationMs`, `measured`), also while nothing else needs it. Default false: the clock is
   * read only for calls that need it, which are every call when there is a timeout or hops are
   * recorded, and otherwise calls that start while `metrics` has a subscriber. Set it when you
   * poll `readMetrics()` without subscribing and want durations. A measurement reads
   * `performance.now()` twice per call.
   */
  readonly measureDurations?: boolean;

  /** Appends a hop to each envelope after its handler settles. Default true. */
  readonly recordHops?: boolean;

  /**
   * Captures the position of the code that called `execute()` for the hop (a V8 stack capture,
   * about a microsecond). Without it hops carry an unknown caller. Ignored when `recordHops` is
   * false. Default true.
   */
  readonly captureCallers?: boolean;

  /** Replaces the default hop recording (appending to the envelope). */
  readonly hopRecorder?: HopRecorder;

  /** Starts the executor on the first `execute()` instead of rejecting it. Default false. */
  readonly autoStart?: boolean;

  /** Wall clock of metrics and hop timestamps. Default `systemClock` (`Date.now`). */
  readonly clock?: Clock;

  /**
   * Tracks which handler is running through `AsyncLocalStorage`, so that `stop()` or `drain()`
   * awaited anywhere inside a handler (even after an `await`) is recognised and does not wait for
   * that handler itself. Without it, only calls made synchronously by the handler or passing the
   * handler's own signal are recognised. On Node 20 `AsyncLocalStorage` slows every promise of
   * the process (about 2 to 3 times for an empty async call, measured on Node 20.20), so it is
   * off by default.
   */
  readonly trackAsyncContext?: boolean;
}

/** Options with defaults applied and values validated. */
export interface ResolvedExecutorOptions {
  readonly bulkheadName: string;
  readonly maxConcurrency: number;
  readonly maxQueue: number;
  readonly timeoutMs: number | undefined;
  readonly metricsIntervalMs: number;
  readonly measureDurations: boolean;
  readonly recordHops: boolean;
  readonly captureCallers: boolean;
  readonly hopRecorder: HopRecorder;
  readonly autoStart: boolean;
  readonly clock: Clock;
  readonly trackAsyncContext: boolean;
}

/**
 * Applies defaults to `options` and validates them.
 *
 * @throws TypeError or RangeError naming the first invalid option.
 */
export function resolveExecutorOptions(
  strategy: string,
  maxConcurrency: number,
  options: ExecutorOptions | undefined,
): ResolvedExecutorOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`Invalid options of the ${strategy} executor: expected an object or undefined.`);
  }

  const given = options ?? {};
  const timeoutMs = given.timeoutMs === undefined ? Infinity : validateDuration(given.timeoutMs, 'timeoutMs', true);

  if (given.hopRecorder !== undefined && typeof given.hopRecorder !== 'function') {
    throw new TypeError('Invalid hopRecorder: expected a function (envelope, init, caller) => void.');
  }

  if (given.clock !== undefined && typeof given.clock?.now !== 'function') {
    throw new TypeError('Invalid clock: expected an object with a now() method returning milliseconds.');
  }

  const recordHops = given.recordHops === undefined ? true : validateBoolean(given.recordHops, 'recordHops');
  const captureCallers =
    given.captureCallers === undefined ? true : validateBoolean(given.captureCallers, 'captureCallers');

  return {
    bulkheadName: given.bulkheadName === undefined ? strategy : validateName(given.bulkheadName, 'bulkheadName'),
    maxConcurrency: validateLimit(maxConcurrency, 'maxConcurrency', 1),
    maxQueue: given.maxQueue === undefined ? Infinity : validateLimit(given.maxQueue, 'maxQueue', 0),
    timeoutMs: timeoutMs === Infinity ? undefined : timeoutMs,
    metricsIntervalMs:
      given.metricsIntervalMs === undefined
        ? 1000
        : validateDuration(given.metricsIntervalMs, 'metricsIntervalMs', false),
    measureDurations:
      given.measureDurations === undefined ? false : validateBoolean(given.measureDurations, 'measureDurations'),
    recordHops,
    captureCallers: recordHops && captureCallers,
    hopRecorder: given.hopRecorder ?? appendHop,
    autoStart: given.autoStart === undefined ? false : validateBoolean(given.autoStart, 'autoStart'),
    clock: given.clock ?? systemClock,
    trackAsyncContext:
      given.trackAsyncContext === undefined ? false : validateBoolean(given.trackAsyncContext, 'trackAsyncContext'),
  };
}
