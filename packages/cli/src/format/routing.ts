import type { MessageTrace, TraceDecision, TraceOutcome } from '@whizbang/observability';

import type { Style } from '../style.js';

/**
 * Formats a trace's routing as `topic/streamKey #sequence p<partition>`, leaving out the parts
 * the trace lacks, or `"not routed"`.
 */
export function formatRouting(trace: Pick<MessageTrace, 'topic' | 'streamKey' | 'sequenceNumber' | 'partitionIndex'>): string {
  if (trace.topic === null) return 'not routed';

  let text = trace.streamKey === null || trace.streamKey === '' ? trace.topic : `${trace.topic}/${trace.streamKey}`;
  if (trace.sequenceNumber !== null) text += ` #${trace.sequenceNumber}`;
  if (trace.partitionIndex !== null) text += ` p${trace.partitionIndex}`;
  return text;
}

/** Formats an outcome: its status, coloured, with the error name and message of a failure. */
export function formatOutcome(outcome: TraceOutcome, style: Style): string {
  const status = outcome.status === 'succeeded' ? style.green(outcome.status) : style.red(outcome.status);
  if (outcome.errorName === undefined && outcome.errorMessage === undefined) return status;

  const error = [outcome.errorName, outcome.errorMessage].filter((part) => part !== undefined).join(': ');
  return `${status} (${error})`;
}

/** Returns the first decision that matched: the policy that routed the message. */
export function matchedDecision(decisions: readonly TraceDecision[]): TraceDecision | undefined {
  return decisions.find((decision) => decision.matched);
}

/**
 * Formats the matched policy of a trace as `policy <name> matched: <rule> (<reason>)`, or a note
 * that no policy matched.
 */
export function formatMatchedPolicy(decisions: readonly TraceDecision[], style: Style): string {
  const decision = matchedDecision(decisions);
  if (decision === undefined) {
    return decisions.length === 0 ? style.dim('no policy decisions recorded') : style.yellow(`no policy matched (${decisions.length} evaluated)`);
  }
  return `policy ${style.bold(decision.policyName)} matched: ${decision.rule} ${style.dim(`(${decision.reason})`)}`;
}

/** Formats milliseconds since the Unix epoch as ISO 8601 in UTC. */
export function formatTime(milliseconds: number): string {
  const date = new Date(milliseconds);
  return Number.isNaN(date.getTime()) ? String(milliseconds) : date.toISOString();
}

/** Formats a duration in milliseconds with up to two decimals, such as `"1.25 ms"`. */
export function formatDuration(milliseconds: number): string {
  return `${Number(milliseconds.toFixed(2))} ms`;
}
