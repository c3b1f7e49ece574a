/**
 * Wall-clock time source, injectable so tests can step time forwards and backwards.
 *
 * @example
 * ```ts
 * const frozen: Clock = { now: () => Date.parse('2026-01-01T00:00:00Z') };
 * ```
 */
export interface Clock {
  /** Current wall-clock time in milliseconds since the Unix epoch. */
  now(): number;
}

/** The process wall clock (`Date.now`). */
export const systemClock: Clock = { now: () => Date.now() };
