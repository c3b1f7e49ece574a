import { createIdGenerator, type CausationId, type MessageId } from '../../src/ids.js';
import type { MessageTrace, TraceHop } from '../../src/trace/message-trace.js';

export const START = Date.UTC(2030, 0, 1, 12, 0, 0);

const ids = createIdGenerator({ clock: { now: () => START } });

/** Returns a new message id; ids from one run are unique and increase. */
export function nextMessageId(): MessageId {
  return ids.messageId();
}

/** Builds one hop record with the given sequence and time. */
export function hopRecord(sequence: number, timestamp: number, overrides: Partial<TraceHop> = {}): TraceHop {
  return {
    sequence,
    serviceName: 'orders-service',
    machineName: 'host-1',
    timestamp,
    durationMs: 0.25,
    executionStrategy: 'serial',
    topic: 'orders',
    streamKey: 'order-42',
    partitionIndex: 1,
    sequenceNumber: sequence,
    caller: {
      functionName: 'handle',
      filePath: '/srv/app/src/handler.ts',
      relativePath: 'src/handler.ts',
      line: 10 + sequence,
      column: 3,
      origin: 'source-map',
    },
    ...overrides,
  };
}

/** Builds a plain trace directly, without an envelope, for tests that need many traces. */
export function traceRecord(overrides: Partial<MessageTrace> = {}): MessageTrace {
  const timestamp = overrides.timestamp ?? START;
  return {
    schemaVersion: 1,
    messageId: nextMessageId(),
    correlationId: ids.correlationId(),
    causationId: null,
    messageType: 'OrderPlaced',
    timestamp,
    topic: 'orders',
    streamKey: 'order-42',
    partitionIndex: 1,
    sequenceNumber: 7,
    hops: [hopRecord(0, timestamp)],
    decisions: [
      {
        policyName: 'OrderPolicy',
        rule: 'matchesAggregate(Order)',
        matched: true,
        configuration: { partitions: 4 },
        reason: 'aggregate is Order',
        timestamp,
      },
    ],
    outcome: { status: 'succeeded' },
    traceparent: null,
    ...overrides,
  };
}

/** Builds a trace caused by `parent`, in the same workflow. */
export function childRecord(parent: MessageTrace, overrides: Partial<MessageTrace> = {}): MessageTrace {
  return traceRecord({
    correlationId: parent.correlationId,
    causationId: parent.messageId as string as CausationId,
    timestamp: parent.timestamp + 1,
    ...overrides,
  });
}
