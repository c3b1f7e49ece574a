// Imported first: it makes `gc` available before mitata loads (see the module).
import './harness/expose-gc.js';

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, type } from 'node:os';
import { parseArgs } from 'node:util';

import { formatNotes, formatResultsTable, resultsToJson } from './harness/report.js';
import type { BenchItem, ItemResult, RunMode } from './harness/types.js';
import { ITEMS } from './items/index.js';

const USAGE = `Usage: node --expose-gc benchmarks/dist/run.js [options]

Measures the built @whizbang packages, each item beside its baselines in the same process,
and prints a Markdown table of times, ratios and targets.

Options:
  --quick              fewer rounds and shorter samples (about 2 minutes on 2 cores, 6 for the full run)
  --only <name>        run only this item; repeat or separate with commas
  --package <name>     run only the items of this package (for example observability); repeatable
  --json <file>        also write the full results as JSON to <file>
  --list               list the items and exit
  --help               show this help
`;

/** A wrong command-line option: reported by its message alone, without a stack. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

function optionList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
}

function selectItems(only: string[], packages: string[]): BenchItem[] {
  const known = new Set(ITEMS.map((item) => item.name));
  for (const name of only) {
    if (!known.has(name)) throw new UsageError(`Unknown item "${name}" in --only. Known items: ${[...known].join(', ')}.`);
  }
  const knownPackages = new Set(ITEMS.flatMap((item) => item.packages));
  for (const name of packages) {
    if (!knownPackages.has(name)) throw new UsageError(`No items for package "${name}" in --package. Packages with items: ${[...knownPackages].join(', ')}.`);
  }

  return ITEMS.filter(
    (item) => (only.length === 0 || only.includes(item.name)) && (packages.length === 0 || item.packages.some((name) => packages.includes(name))),
  );
}

function operatingSystem(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1];
    if (pretty !== undefined) return pretty;
  } catch {
    // Not Linux, or no os-release: the kernel name below is enough.
  }
  return type();
}

function describeMachine(mode: RunMode): string {
  const processors = cpus();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${processors.length} cores, ${processors[0]?.model.trim() ?? 'unknown CPU'}`,
    `- OS: ${operatingSystem()} (kernel ${release()})`,
    `- Node.js: ${process.version}`,
    `- Mode: ${mode}`,
    `- Command: node ${process.execArgv.join(' ')} ${process.argv.slice(1).join(' ')}`.replace(/\s+/g, ' '),
  ].join('\n');
}

function formatLoad(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        package: { type: 'string', multiple: true },
        json: { type: 'string' },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    // parseArgs reports unknown options and missing values with a clear message of its own.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<number> {
  const { values } = parseOptions();

  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.list) {
    for (const item of ITEMS) process.stdout.write(`${item.name.padEnd(22)} ${item.packages.join(', ').padEnd(14)} ${item.title}\n`);
    return 0;
  }

  const mode: RunMode = values.quick ? 'quick' : 'full';
  const items = selectItems(optionList(values.only), optionList(values.package));
  const loadBefore = formatLoad();
  const started = performance.now();
  const results: ItemResult[] = [];

  for (const item of items) {
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${item.name}: ${item.title} ...\n`);
    results.push(await item.run(mode));
  }

  const minutes = (performance.now() - started) / 60_000;
  const output = [
    describeMachine(mode),
    `- Load average (1, 5, 15 min): ${loadBefore} before, ${formatLoad()} after; run took ${minutes.toFixed(1)} min`,
    '',
    formatResultsTable(results),
    '',
    formatNotes(results),
    '',
  ].join('\n');
  process.stdout.write(output);

  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(resultsToJson(results), null, 2)}\n`);

  const missed = results.flatMap((result) =>
    result.targets.filter((target) => !target.met).map((target) => `${result.item}, ${target.candidate}: ${target.label}${target.withinNoise === true ? ' (within noise)' : ''}`),
  );
  // On stdout with the table, so a run redirected to a file keeps its summary.
  process.stdout.write(missed.length === 0 ? 'Every target met.\n' : `Targets missed (${missed.length}): ${missed.join('; ')}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exitCode = 1;
  },
);
