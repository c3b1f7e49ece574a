/** Percentiles of a set of latencies, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Summarises latency samples with nearest-rank percentiles: the p-th percentile is the smallest
 * sample that at least p percent of the samples do not exceed. Every field is 0 when there are
 * no samples.
 *
 * @example
 * ```ts
 * summariseLatencies([1, 2, 3, 4]); // { count: 4, p50: 2, p95: 4, p99: 4, max: 4 }
 * ```
 */
export function summariseLatencies(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };

  const sorted = Float64Array.from(samples).sort();
  const at = (percent: number): number => sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)] as number;
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] as number };
}
