import { do_not_optimize, measure } from 'mitata';

import type { Candidate, CandidateTiming, RunMode } from './types.js';

/** How much a comparison measures; see {@link comparisonSettings}. */
export interface ComparisonSettings {
  /** Measured rounds; each round measures every candidate once, in a rotated order. */
  readonly rounds: number;

  /** Minimum CPU time per candidate and round, in milliseconds. */
  readonly minTimeMs: number;

  /** Minimum samples per candidate and round (mitata batches short calls into one sample). */
  readonly minSamples: number;
}

/**
 * Settings for calls that take nanoseconds to microseconds (`short`) or milliseconds and more,
 * such as a run of 100,000 messages (`long`).
 */
export function comparisonSettings(mode: RunMode, length: 'short' | 'long'): ComparisonSettings {
  if (length === 'short') {
    return mode === 'quick' ? { rounds: 3, minTimeMs: 150, minSamples: 12 } : { rounds: 7, minTimeMs: 400, minSamples: 12 };
  }
  return mode === 'quick' ? { rounds: 3, minTimeMs: 1, minSamples: 3 } : { rounds: 5, minTimeMs: 1, minSamples: 6 };
}

/** Result of {@link compareCandidates}. */
export interface Comparison {
  readonly timings: readonly CandidateTiming[];

  /** Median over the rounds of `item / baseline` time per message, keyed `"item|baseline"`. */
  readonly ratios: ReadonlyMap<string, number>;
}

/**
 * Times every candidate with mitata's `measure`, several rounds in one process. Each round
 * measures all candidates back to back in a rotated order, so a change of machine load during
 * the run affects an item and its baselines alike, and no candidate always runs first.
 * A warm-up round, not recorded, compiles every candidate before the first measured round.
 *
 * The time of a round is mitata's mean time per call (mitata drops the two fastest and two
 * slowest samples), divided by `messagesPerCall`. The mean, unlike the median, includes the
 * garbage collections a candidate causes, which are part of its cost.
 */
export async function compareCandidates(candidates: readonly Candidate[], settings: ComparisonSettings): Promise<Comparison> {
  const rounds: number[][] = candidates.map(() => []);

  await runRound(candidates, 0, { ...settings, minTimeMs: Math.min(settings.minTimeMs, 50), minSamples: 1 }, undefined);
  for (let round = 0; round < settings.rounds; round++) {
    await runRound(candidates, round, settings, rounds);
  }

  const timings: CandidateTiming[] = candidates.map((candidate, index) => ({
    name: candidate.name,
    role: candidate.role,
    nsPerMessage: median(rounds[index] as number[]),
    rounds: rounds[index] as number[],
  }));
  return { timings, ratios: ratiosOf(timings) };
}

/**
 * Adds a timing named `name` whose every round is `minuend - subtrahend` of that round: the
 * cost of what one candidate does on top of another. The two timings it is derived from become
 * components, which are compared with nothing.
 */
export function withDifference(comparison: Comparison, name: string, minuend: string, subtrahend: string): Comparison {
  const find = (wanted: string): CandidateTiming => {
    const timing = comparison.timings.find((entry) => entry.name === wanted);
    if (timing === undefined) throw new Error(`No timing named "${wanted}" to take a difference of.`);
    return timing;
  };
  const plus = find(minuend);
  const minus = find(subtrahend);
  const rounds = plus.rounds.map((value, round) => value - (minus.rounds[round] as number));

  const timings: CandidateTiming[] = [
    ...comparison.timings.filter((timing) => timing !== plus && timing !== minus),
    { ...plus, role: 'component' },
    { ...minus, role: 'component' },
    { name, role: 'item', nsPerMessage: median(rounds), rounds },
  ];
  return { timings, ratios: ratiosOf(timings) };
}

function ratiosOf(timings: readonly CandidateTiming[]): Map<string, number> {
  const ratios = new Map<string, number>();
  for (const item of timings.filter((timing) => timing.role === 'item')) {
    for (const baseline of timings.filter((timing) => timing.role === 'baseline')) {
      const perRound = item.rounds.map((value, round) => value / (baseline.rounds[round] as number));
      ratios.set(`${item.name}|${baseline.name}`, median(perRound));
    }
  }
  return ratios;
}

async function runRound(
  candidates: readonly Candidate[],
  round: number,
  settings: ComparisonSettings,
  record: number[][] | undefined,
): Promise<void> {
  for (let offset = 0; offset < candidates.length; offset++) {
    const index = (offset + round) % candidates.length;
    const candidate = candidates[index] as Candidate;
    const nsPerCall = await measureCandidate(candidate, settings);
    record?.[index]?.push(nsPerCall / (candidate.messagesPerCall ?? 1));
  }
}

async function measureCandidate(candidate: Candidate, settings: ComparisonSettings): Promise<number> {
  const options = { min_cpu_time: settings.minTimeMs * 1e6, min_samples: settings.minSamples };
  const run = candidate.run as (prepared: unknown) => unknown;

  if (candidate.setup === undefined) {
    // The result goes to do_not_optimize, so the call has an observable effect; a promise is
    // also returned for mitata to await.
    const stats = await measure(() => {
      const result = run(undefined);
      do_not_optimize(result);
      return result;
    }, options);
    return stats.avg;
  }

  // mitata calls a generator's parameter function outside the timed region, once per call of
  // `bench`, which is how each call gets fresh state.
  const setup = candidate.setup;
  const stats = await measure(function* () {
    yield {
      0: setup,
      bench(prepared: unknown) {
        const result = run(prepared);
        do_not_optimize(result);
        return result;
      },
    } as unknown as () => unknown;
  }, options);
  return stats.avg;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
