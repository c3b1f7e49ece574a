import { relative } from 'node:path';

import { formatCausalChain, PLAIN_STYLE, type Style } from '@whizbang/cli';

import type { OrderFlowResult } from './run.js';

/** Options of {@link formatSummary}. */
export interface SummaryFormatOptions {
  /** Colours; default none. */
  readonly style?: Style;

  /**
   * Command that starts the CLI, printed in the query examples. Default
   * `node packages/cli/dist/bin.js`, which works from the repository root.
   */
  readonly cliCommand?: string;
}

const number = new Intl.NumberFormat('en-US');
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/**
 * Formats the end-of-run summary: messages per topic, throughput, latency percentiles,
 * outcomes, the database checks and one example causal chain, then commands to query the
 * traces with the CLI.
 */
export function formatSummary(result: OrderFlowResult, options: SummaryFormatOptions = {}): string {
  const style = options.style ?? PLAIN_STYLE;
  const cli = options.cliCommand ?? 'node packages/cli/dist/bin.js';
  const { database } = result;
  const seconds = result.elapsedMs / 1000;
  const lines: string[] = [];

  lines.push(style.bold(`Whizbang order flow: ${count(result.dispatched, 'order')} from ${displayPath(result.inputPath)}`), '');

  const skipped = result.skippedLines.length;
  lines.push(`Input        ${count(result.inputLines, 'line')}, ${count(result.dispatched, 'order')} dispatched, ${count(skipped, 'line')} skipped`);
  for (const error of result.skippedLines.slice(0, 5)) lines.push(style.yellow(`               skipped ${error.message}`));
  if (skipped > 5) lines.push(style.yellow(`               and ${number.format(skipped - 5)} more skipped lines`));

  lines.push(
    `Messages     ${number.format(database.traces)} in ${decimal.format(seconds)} s (${number.format(Math.round(database.traces / Math.max(seconds, 0.001)))} messages/s)`,
  );
  const topicWidth = Math.max(...[...database.byTopic.keys()].map((topic) => topic.length), 0);
  for (const [topic, types] of database.byTopic) {
    const count = [...types.values()].reduce((sum, value) => sum + value, 0);
    const breakdown = [...types].map(([type, value]) => `${type} ${number.format(value)}`).join(', ');
    lines.push(`  ${topic.padEnd(topicWidth)}  ${number.format(count).padStart(7)}   ${style.dim(breakdown)}`);
  }

  const { latency } = result;
  lines.push(
    `Latency      p50 ${ms(latency.p50)}, p95 ${ms(latency.p95)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)} ` +
      style.dim(`(dispatch or send to end of handler, ${number.format(latency.count)} messages)`),
  );

  const outcome = (status: string): number => database.byOutcome.get(status) ?? 0;
  const failed = outcome('failed');
  const errors = [...database.errorsByName].map(([name, count]) => `${name} ${number.format(count)}`).join(', ');
  lines.push(
    `Outcomes     succeeded ${number.format(outcome('succeeded'))}, failures ${colourCount(failed, style.yellow)}${errors === '' ? '' : ` (${errors})`}, ` +
      `rejections ${colourCount(outcome('rejected'), style.red)}, timed out ${number.format(outcome('timed-out'))}, cancelled ${number.format(outcome('cancelled'))}`,
  );

  const views = Object.entries(result.readModel).map(([status, count]) => `${status} ${number.format(count)}`).join(', ');
  lines.push(`Read model   ${views}`);

  const missing = result.sent - database.traces;
  const stored = `${number.format(database.traces)} of ${count(result.sent, 'message')} stored in ${displayPath(result.databasePath)}`;
  lines.push(`Trace store  ${missing === 0 && result.storeErrors === 0 ? stored : style.red(`${stored}, ${count(result.storeErrors, 'store error')}`)}`);

  const violations = database.violations.length;
  lines.push(
    `Ordering     ${violations === 0 ? style.green('0 violations') : style.red(count(violations, 'violation'))} in ${count(database.streams, 'stream')} ` +
      style.dim('(sequence numbers of every stream checked in the database)'),
  );
  for (const violation of database.violations.slice(0, 5)) {
    lines.push(style.red(`               ${violation.kind} in ${violation.topic}/${violation.streamKey}: ${violation.detail}`));
  }

  const chain = result.exampleChain;
  if (chain !== undefined) {
    lines.push('', style.bold(`Example causal chain (${count(chain.traces.length, 'message')}, ${chain.hopsInTypeScript} of ${count(chain.hops, 'hop')} mapped to .ts sources):`));
    lines.push(formatCausalChain(chain.traces, { highlight: chain.messageId, style }));
  }

  const db = displayPath(result.databasePath);
  const dbOption = db === 'whizbang-traces.db' ? '' : ` --db ${quote(db)}`;
  const commands: string[] = [];
  if (chain !== undefined) {
    const first = chain.traces.find((trace) => trace.messageId === chain.messageId);
    commands.push(`  ${cli} trace chain ${chain.messageId}${dbOption}`);
    commands.push(`  ${cli} trace trail ${chain.messageId}${dbOption}`);
    if (first !== undefined) commands.push(`  ${cli} trace correlation ${first.correlationId}${dbOption}`);
    commands.push(`  ${cli} trace show ${chain.messageId}${dbOption} --json`);
  }
  if (database.firstFailedOrderMessageId !== undefined) {
    commands.push(`  ${cli} trace chain ${database.firstFailedOrderMessageId}${dbOption}   ${style.dim('# an order whose payment failed')}`);
  }
  // An empty input stores nothing to query: leave the heading out too.
  if (commands.length > 0) lines.push('', style.bold('Query the traces:'), ...commands);

  return lines.join('\n');
}

/** `1 line`, `2 lines`: English plural by appending `s`, enough for the nouns used here. */
function count(value: number, noun: string): string {
  return `${number.format(value)} ${value === 1 ? noun : `${noun}s`}`;
}

function ms(value: number): string {
  return `${decimal.format(value)} ms`;
}

function colourCount(count: number, colour: (text: string) => string): string {
  return count === 0 ? '0' : colour(number.format(count));
}

function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown === '' || shown.startsWith('..') ? path : shown;
}

function quote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : JSON.stringify(path);
}
