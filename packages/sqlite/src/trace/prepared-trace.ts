import { prepareMessageTrace } from '@whizbang/observability';

import { encodeNullableText, encodeText } from '../sqlite-text.js';

/** Stored text of a string column: see `encodeText`. */
export type StoredText = string | Buffer;

/**
 * A validated trace as the values of one row, queued until its batch is written. It contains
 * only strings and numbers, so changing the caller's trace afterwards cannot change it.
 *
 * @internal
 */
export interface PreparedTrace {
  readonly messageId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly messageType: StoredText;
  readonly timestamp: number;
  readonly topic: StoredText | null;
  readonly streamKey: StoredText | null;
  readonly partitionIndex: number | null;
  readonly sequenceNumber: number | null;
  readonly outcomeStatus: string;
  readonly errorName: StoredText | null;
  readonly errorMessage: StoredText | null;
  readonly traceparent: StoredText | null;
  readonly schemaVersion: number;
  readonly payload: string | null;
  readonly hops: string;
  readonly decisions: string;
}

/**
 * Validates `value` with `prepareMessageTrace` and converts it to row values: the hops,
 * decisions and payload are each serialised by one `JSON.stringify`, before the caller can
 * change its trace.
 *
 * A plain trace with canonical ids is checked in place, with no copy. Anything else goes through
 * `snapshotMessageTrace`, which throws its error for an invalid trace.
 *
 * @throws TypeError (including `InvalidIdError`) naming the invalid field.
 * @internal
 */
export function prepareTrace(value: unknown): PreparedTrace {
  const trace = prepareMessageTrace(value, 'trace');
  const { outcome } = trace;

  return {
    messageId: trace.messageId,
    correlationId: trace.correlationId,
    causationId: trace.causationId,
    messageType: encodeText(trace.messageType),
    // JSON writes -0 as 0, and so does the snapshot: store what a JSON round trip returns.
    timestamp: trace.timestamp === 0 ? 0 : trace.timestamp,
    topic: encodeNullableText(trace.topic),
    streamKey: encodeNullableText(trace.streamKey),
    partitionIndex: trace.partitionIndex === 0 ? 0 : trace.partitionIndex,
    sequenceNumber: trace.sequenceNumber === 0 ? 0 : trace.sequenceNumber,
    outcomeStatus: outcome.status,
    errorName: outcome.errorName === undefined ? null : encodeText(outcome.errorName),
    errorMessage: outcome.errorMessage === undefined ? null : encodeText(outcome.errorMessage),
    traceparent: encodeNullableText(trace.traceparent),
    schemaVersion: trace.schemaVersion,
    payload: trace.payload === undefined ? null : JSON.stringify(trace.payload),
    hops: JSON.stringify(trace.hops),
    decisions: JSON.stringify(trace.decisions),
  };
}
