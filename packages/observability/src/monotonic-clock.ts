import { performance } from 'node:perf_hooks';

/**
 * Monotonic time source for durations: it never steps back when the wall clock is adjusted.
 * Readings are milliseconds from an arbitrary origin, so only differences mean anything.
 *
 * @example
 * ```ts
 * let now = 0;
 * const fake: MonotonicClock = { now: () => now };
 * ```
 */
export interface MonotonicClock {
  /** Current reading in milliseconds (fractions allowed) from an arbitrary, fixed origin. */
  now(): number;
}

/** The process monotonic clock (`performance.now`). */
export const performanceClock: MonotonicClock = { now: () => performance.now() };
