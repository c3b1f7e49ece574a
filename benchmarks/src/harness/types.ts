/** How long and how often a run measures: `quick` for a check in minutes, `full` for a record. */
export type RunMode = 'quick' | 'full';

/**
 * A function measured by the harness. It receives the value `setup` made for it (untimed) and
 * returns a value that the harness consumes, or a promise of one.
 */
export type Measured = (prepared: never) => unknown;

/** One function timed in a comparison: the item under test or a named baseline. */
export interface Candidate {
  /** Label shown in the table, for example `"recordHop"` or `"new Error()"`. */
  readonly name: string;

  /** `item` for the Whizbang code under test, `baseline` for what it is compared with. */
  readonly role: 'item' | 'baseline';

  /**
   * Creates the per-call input outside the timed region, so that each call starts from fresh
   * state (a new envelope, a new database file). Omitted when the function needs no input.
   */
  readonly setup?: () => unknown;

  /** The timed call. */
  readonly run: (prepared: never) => unknown;

  /**
   * Messages handled by one call, to report time per message. Default 1.
   */
  readonly messagesPerCall?: number;
}

/** Median timing of one candidate over the rounds of a comparison. */
export interface CandidateTiming {
  readonly name: string;

  /** `component`: a timing another one was derived from, compared with nothing. */
  readonly role: 'item' | 'baseline' | 'component';

  /** Median time per message, in nanoseconds. */
  readonly nsPerMessage: number;

  /** Time per message of each round, in nanoseconds, in round order. */
  readonly rounds: readonly number[];
}

/**
 * A target of the results table, by kind:
 * - `cost`: time per message as a multiple of a baseline's (`item / baseline`, lower is better).
 * - `difference`: a `cost` target for a timing derived as the difference of two others. It is
 *   met only when every round is within the limit, and shown as within noise when only the
 *   median is.
 * - `speed`: throughput as a multiple of a baseline's (`baseline / item`, higher is better).
 * - `rate`: absolute throughput per second, of messages unless `unit` names something else.
 * - `time`: absolute time per call in nanoseconds.
 * - `allocation`: bytes allocated per call.
 */
export type Target =
  | { readonly kind: 'cost'; readonly item: string; readonly baseline: string; readonly max: number }
  | { readonly kind: 'difference'; readonly item: string; readonly baseline: string; readonly max: number }
  | { readonly kind: 'speed'; readonly item: string; readonly baseline: string; readonly min: number }
  | { readonly kind: 'rate'; readonly item: string; readonly minPerSecond: number; readonly unit?: string }
  | { readonly kind: 'time'; readonly item: string; readonly maxNs: number }
  | { readonly kind: 'allocation'; readonly item: string; readonly maxBytes: number };

/** Outcome of one {@link Target}. */
export interface TargetResult {
  /** The measured candidate the target applies to. */
  readonly candidate: string;

  /** The target as the table shows it, for example `"≤ 0.35× new Error()"`. */
  readonly label: string;

  /** The measured value in the target's terms, for example `"0.31×"`. */
  readonly measured: string;
  readonly met: boolean;

  /** True when the median meets the target but the spread of the rounds does not show it. */
  readonly withinNoise?: boolean;
}

/** Bytes allocated per call of a candidate, measured with heap statistics. */
export interface AllocationResult {
  readonly name: string;
  readonly bytesPerCall: number;
}

/** Everything one item reports. */
export interface ItemResult {
  readonly item: string;
  readonly title: string;
  readonly timings: readonly CandidateTiming[];

  /**
   * Median over the rounds of `item / baseline` for each (item, baseline) pair, keyed
   * `"item|baseline"`. A ratio taken within one round compares runs made seconds apart, so it
   * stays more stable on a busy machine than a ratio of two medians.
   */
  readonly ratios: ReadonlyMap<string, number>;
  readonly allocations: readonly AllocationResult[];
  readonly targets: readonly TargetResult[];
  readonly notes: readonly string[];
}

/** One benchmark item: a package feature, its baselines and its targets. */
export interface BenchItem {
  /** Short id for `--only`, for example `"caller-capture"`. */
  readonly name: string;

  /** Package whose `bench` script runs this item, without the `@whizbang/` scope. */
  readonly packages: readonly string[];

  /** One line for the table. */
  readonly title: string;

  /** Measures the item and its baselines and checks the targets. */
  run(mode: RunMode): Promise<ItemResult>;
}
