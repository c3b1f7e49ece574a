import { measureBytesPerCall } from './allocation.js';
import type { Comparison } from './compare.js';
import type { AllocationResult, ItemResult, Target, TargetResult } from './types.js';

/** Input of {@link buildItemResult}. */
export interface ItemResultInit {
  readonly item: string;
  readonly title: string;
  readonly comparison: Comparison;
  readonly targets: readonly Target[];
  readonly allocations?: readonly AllocationResult[];
  readonly notes?: readonly string[];
}

/**
 * Checks the targets of an item against its measurements and assembles its result.
 *
 * @throws Error when a target names a candidate that was not measured, so a renamed candidate
 *   cannot silently turn a target into a pass.
 */
export function buildItemResult(init: ItemResultInit): ItemResult {
  const allocations = init.allocations ?? [];
  const targets = init.targets.map((target) => ({ candidate: target.item, ...checkTarget(target, init.comparison, allocations) }));

  return {
    item: init.item,
    title: init.title,
    timings: init.comparison.timings,
    ratios: init.comparison.ratios,
    allocations,
    targets,
    notes: init.notes ?? [],
  };
}

/** Measures the bytes per call of each named function. */
export function measureAllocations(functions: Readonly<Record<string, () => unknown>>): AllocationResult[] {
  return Object.entries(functions).map(([name, fn]) => ({ name, bytesPerCall: measureBytesPerCall(fn) }));
}

function checkTarget(target: Target, comparison: Comparison, allocations: readonly AllocationResult[]): Omit<TargetResult, 'candidate'> {
  switch (target.kind) {
    case 'cost': {
      const ratio = ratioOf(comparison, target.item, target.baseline);
      return { label: `time ≤ ${target.max}× ${target.baseline}`, measured: `${formatRatio(ratio)}×`, met: ratio <= target.max };
    }
    case 'difference': {
      const item = timingOf(comparison, target.item);
      const baseline = timingOf(comparison, target.baseline);
      const limit = target.max * baseline;
      const worst = Math.max(...comparisonRounds(comparison, target.item));
      const best = Math.min(...comparisonRounds(comparison, target.item));
      return {
        label: `time ≤ ${target.max}× ${target.baseline} (${formatDuration(limit)})`,
        measured: `${formatSignedDuration(item)} (rounds ${formatSignedDuration(best)} to ${formatSignedDuration(worst)})`,
        met: worst <= limit,
        withinNoise: item <= limit && worst > limit,
      };
    }
    case 'speed': {
      const speed = 1 / ratioOf(comparison, target.item, target.baseline);
      return { label: `speed ≥ ${target.min}× ${target.baseline}`, measured: `${formatRatio(speed)}×`, met: speed >= target.min };
    }
    case 'rate': {
      const perSecond = 1e9 / timingOf(comparison, target.item);
      const unit = target.unit ?? 'msg/s';
      return {
        label: `≥ ${formatCount(target.minPerSecond)} ${unit}`,
        measured: `${formatCount(perSecond)} ${unit}`,
        met: perSecond >= target.minPerSecond,
      };
    }
    case 'time': {
      const ns = timingOf(comparison, target.item);
      return { label: `time < ${formatDuration(target.maxNs)}`, measured: formatDuration(ns), met: ns < target.maxNs };
    }
    case 'allocation': {
      const allocation = allocations.find((entry) => entry.name === target.item);
      if (allocation === undefined) throw new Error(`No allocation was measured for "${target.item}".`);
      return {
        label: target.maxBytes === 0 ? 'no allocation' : `≤ ${target.maxBytes} B/call`,
        measured: `${allocation.bytesPerCall.toFixed(1)} B/call`,
        // Below half a byte per call nothing is allocated: any object takes at least 8 bytes,
        // so one allocation in 16 calls would already show.
        met: allocation.bytesPerCall <= Math.max(target.maxBytes, 0.5),
      };
    }
  }
}

function ratioOf(comparison: Comparison, item: string, baseline: string): number {
  const ratio = comparison.ratios.get(`${item}|${baseline}`);
  if (ratio === undefined) throw new Error(`No ratio was measured for "${item}" against "${baseline}".`);
  return ratio;
}

function comparisonRounds(comparison: Comparison, name: string): readonly number[] {
  const timing = comparison.timings.find((entry) => entry.name === name);
  if (timing === undefined) throw new Error(`No timing was measured for "${name}".`);
  return timing.rounds;
}

/** Formats a duration that may be negative (a difference within the noise). */
function formatSignedDuration(ns: number): string {
  return ns < 0 ? `−${formatDuration(-ns)}` : formatDuration(ns);
}

function timingOf(comparison: Comparison, name: string): number {
  const timing = comparison.timings.find((entry) => entry.name === name);
  if (timing === undefined) throw new Error(`No timing was measured for "${name}".`);
  return timing.nsPerMessage;
}

/** Formats a ratio with two significant decimals below 10 and none above. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return String(ratio);
  return ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(2) : ratio.toFixed(3);
}

/** Formats nanoseconds as ns, µs, ms or s with three significant digits. */
export function formatDuration(ns: number): string {
  if (ns < 1e3) return `${ns.toPrecision(3)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

/** Formats a count with thousands separators. */
export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}
