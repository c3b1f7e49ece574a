import type {
  CausationId,
  CorrelationId,
  JsonValue,
  MessageId,
  MessageTrace,
  TraceDecision,
  TraceHop,
  TraceOutcome,
  TraceOutcomeStatus,
} from '@whizbang/observability';

import { decodeNullableText, decodeText } from '../sqlite-text.js';
import type { PreparedTrace, StoredText } from './prepared-trace.js';

/** One row of the traces table as better-sqlite3 returns it. */
export interface TraceRow {
  message_id: string;
  correlation_id: string;
  causation_id: string | null;
  message_type: StoredText;
  timestamp: number;
  topic: StoredText | null;
  stream_key: StoredText | null;
  partition_index: number | null;
  sequence_number: number | null;
  outcome_status: string;
  error_name: StoredText | null;
  error_message: StoredText | null;
  traceparent: StoredText | null;
  trace_schema_version: number;
  payload: string | null;
  hops: string;
  decisions: string;
}

/** Columns of an insert, in the order {@link insertTrace} binds them. */
export const TRACE_COLUMNS = [
  'message_id',
  'correlation_id',
  'causation_id',
  'message_type',
  'timestamp',
  'topic',
  'stream_key',
  'partition_index',
  'sequence_number',
  'outcome_status',
  'error_name',
  'error_message',
  'traceparent',
  'trace_schema_version',
  'payload',
  'hops',
  'decisions',
] as const;

/** An insert statement with one positional parameter per entry of {@link TRACE_COLUMNS}. */
export interface TraceInsertStatement {
  run(...parameters: unknown[]): unknown;
}

/**
 * Inserts or replaces one prepared trace, binding its values in {@link TRACE_COLUMNS} order with
 * no array built per row.
 *
 * @internal
 */
export function insertTrace(statement: TraceInsertStatement, trace: PreparedTrace): void {
  statement.run(
    trace.messageId,
    trace.correlationId,
    trace.causationId,
    trace.messageType,
    trace.timestamp,
    trace.topic,
    trace.streamKey,
    trace.partitionIndex,
    trace.sequenceNumber,
    trace.outcomeStatus,
    trace.errorName,
    trace.errorMessage,
    trace.traceparent,
    trace.schemaVersion,
    trace.payload,
    trace.hops,
    trace.decisions,
  );
}

/**
 * Rebuilds the trace stored in `row`. Fields absent from the stored trace (payload, error name
 * and message) stay absent, so the result deep-equals the stored trace. Fields come in the order
 * of the documented JSON shape (`payload` before `hops`), so JSON output of a read trace, such
 * as the CLI's `--json`, reads like the docs.
 *
 * @internal
 */
export function rowToTrace(row: TraceRow): MessageTrace {
  const trace = {
    schemaVersion: row.trace_schema_version as MessageTrace['schemaVersion'],
    messageId: row.message_id as MessageId,
    correlationId: row.correlation_id as CorrelationId,
    causationId: row.causation_id as CausationId | null,
    messageType: decodeText(row.message_type),
    timestamp: row.timestamp,
    topic: decodeNullableText(row.topic),
    streamKey: decodeNullableText(row.stream_key),
    partitionIndex: row.partition_index,
    sequenceNumber: row.sequence_number,
  } as { -readonly [K in keyof MessageTrace]: MessageTrace[K] };

  if (row.payload !== null) trace.payload = JSON.parse(row.payload) as JsonValue;
  trace.hops = JSON.parse(row.hops) as TraceHop[];
  trace.decisions = JSON.parse(row.decisions) as TraceDecision[];
  trace.outcome = rowToOutcome(row);
  trace.traceparent = decodeNullableText(row.traceparent);
  return trace;
}

function rowToOutcome(row: TraceRow): TraceOutcome {
  const outcome: { status: TraceOutcomeStatus; errorName?: string; errorMessage?: string } = {
    status: row.outcome_status as TraceOutcomeStatus,
  };
  if (row.error_name !== null) outcome.errorName = decodeText(row.error_name);
  if (row.error_message !== null) outcome.errorMessage = decodeText(row.error_message);
  return outcome;
}
