import type { JsonValue, MessageTrace, TraceDecision } from '@whizbang/observability';

import { PLAIN_STYLE, type Style } from '../style.js';
import { formatCallSite } from './call-site.js';
import { formatDuration, formatOutcome, formatRouting, formatTime } from './routing.js';

/**
 * Formats every field of one trace for `whizbang trace show`: ids, time, routing, outcome, each
 * hop with its service, strategy, duration and `file:line`, and each policy decision. Returns
 * the lines joined with `\n`, without a final newline.
 *
 * @example
 * ```ts
 * console.log(formatTraceDetails(trace, COLOUR_STYLE));
 * ```
 */
export function formatTraceDetails(trace: MessageTrace, style: Style = PLAIN_STYLE): string {
  const lines = [
    `${style.bold(trace.messageType)} ${trace.messageId}`,
    `  correlation  ${trace.correlationId}`,
    `  causation    ${trace.causationId ?? style.dim('none (first message of its workflow)')}`,
    `  created      ${formatTime(trace.timestamp)}`,
    `  routing      ${style.cyan(formatRouting(trace))}`,
    `  outcome      ${formatOutcome(trace.outcome, style)}`,
  ];
  if (trace.traceparent !== null) lines.push(`  traceparent  ${trace.traceparent}`);
  if (trace.payload !== undefined) lines.push(`  payload      ${JSON.stringify(trace.payload)}`);

  lines.push(`  hops (${trace.hops.length})`);
  for (const hop of trace.hops) {
    lines.push(
      `    ${hop.sequence}. ${formatTime(hop.timestamp)}  ${hop.serviceName} on ${hop.machineName}  ` +
        `${hop.executionStrategy}, ${formatDuration(hop.durationMs)}  ${style.cyan(formatRouting(hop))}`,
      `       at ${formatCallSite(hop.caller)}`,
    );
  }

  lines.push(`  policy decisions (${trace.decisions.length})`);
  for (const line of formatDecisionLines(trace.decisions, style, '    ')) lines.push(line);
  return lines.join('\n');
}

/**
 * Formats a policy trail for `whizbang trace trail`: every policy evaluated, in order, with
 * whether it matched, the rule, the reason and the configuration it applied or would have
 * applied. Returns the lines joined with `\n`, without a final newline.
 */
export function formatPolicyTrail(decisions: readonly TraceDecision[], style: Style = PLAIN_STYLE): string {
  if (decisions.length === 0) return style.dim('No policy decisions were recorded for this message.');
  return formatDecisionLines(decisions, style, '').join('\n');
}

function formatDecisionLines(decisions: readonly TraceDecision[], style: Style, indent: string): string[] {
  const lines: string[] = [];
  decisions.forEach((decision, index) => {
    const verdict = decision.matched ? style.green('matched') : style.dim('not matched');
    lines.push(
      `${indent}${index + 1}. ${style.bold(decision.policyName)}  ${verdict}  ${formatTime(decision.timestamp)}`,
      `${indent}   rule           ${decision.rule}`,
      `${indent}   reason         ${decision.reason}`,
      `${indent}   configuration  ${JSON.stringify(displayConfiguration(decision.configuration))}`,
    );
  });
  return lines;
}

// The trail records a stream selector function as "[Function name]", or "[Function anonymous]"
// for an arrow function. For people, say that the key is computed per message.
const STREAM_FUNCTION = /^\[Function (.*)\]$/;

/** Returns the configuration with a stream selector shown as `[function name] (per message)`; JSON output keeps the stored text. */
function displayConfiguration(configuration: JsonValue): JsonValue {
  if (typeof configuration !== 'object' || configuration === null || Array.isArray(configuration)) return configuration;

  const record = configuration as { readonly [key: string]: JsonValue };
  const value = record['stream'];
  const stream = typeof value === 'string' ? STREAM_FUNCTION.exec(value) : null;
  if (stream === null) return configuration;

  const name = stream[1] === 'anonymous' ? '' : ` ${stream[1]}`;
  return { ...record, stream: `[function${name}] (per message)` };
}

/**
 * Formats traces as one line each for lists (`trace correlation`, `trace range`): time, type,
 * message id, routing and outcome, with the type column padded to align.
 */
export function formatTraceList(traces: readonly MessageTrace[], style: Style = PLAIN_STYLE): string {
  const width = Math.max(0, ...traces.map((trace) => trace.messageType.length));
  return traces
    .map(
      (trace) =>
        `${formatTime(trace.timestamp)}  ${style.bold(trace.messageType.padEnd(width))}  ${trace.messageId}  ` +
        `${style.cyan(formatRouting(trace))}  ${formatOutcome(trace.outcome, style)}`,
    )
    .join('\n');
}
