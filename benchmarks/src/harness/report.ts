import { formatDuration, formatRatio } from './item-result.js';
import type { ItemResult, TargetResult } from './types.js';

/**
 * Formats results as one Markdown table: a row per measured candidate with its time per
 * message, its time as a multiple of each baseline's (for items) and the targets that apply to
 * it. Allocation figures follow the time.
 */
export function formatResultsTable(results: readonly ItemResult[]): string {
  const lines = [
    '| item | measured | time per message | time ÷ baseline time | target | measured vs target | met |',
    '|---|---|---|---|---|---|---|',
  ];

  for (const result of results) {
    for (const timing of result.timings) {
      const allocation = result.allocations.find((entry) => entry.name === timing.name);
      const time = formatDuration(timing.nsPerMessage) + (allocation === undefined ? '' : `, ${allocation.bytesPerCall.toFixed(1)} B`);

      const ratios =
        timing.role !== 'item'
          ? `(${timing.role})`
          : result.timings
              .filter((other) => other.role === 'baseline' && result.ratios.has(`${timing.name}|${other.name}`))
              .map((baseline) => `${formatRatio(result.ratios.get(`${timing.name}|${baseline.name}`) as number)}× ${baseline.name}`)
              .join('; ');

      const targets = result.targets.filter((target) => target.candidate === timing.name);
      lines.push(
        `| ${result.item} | ${timing.name} | ${time} | ${ratios} | ${targets.map((target) => target.label).join('; ')} | ` +
          `${targets.map((target) => target.measured).join('; ')} | ${targets.map(verdictOf).join('; ')} |`,
      );
    }
  }
  return lines.join('\n');
}

function verdictOf(target: TargetResult): string {
  if (target.met) return 'yes';
  return target.withinNoise === true ? 'within noise' : '**no**';
}

/** Formats every note of every item as a Markdown list. */
export function formatNotes(results: readonly ItemResult[]): string {
  return results.flatMap((result) => result.notes.map((note) => `- ${result.item}: ${note}`)).join('\n');
}

/** Converts results to plain JSON (maps become objects). */
export function resultsToJson(results: readonly ItemResult[]): unknown {
  return results.map((result) => ({ ...result, ratios: Object.fromEntries(result.ratios) }));
}
