import { describe, expect, it } from 'vitest';

import type { Clock } from '../../src/clock.js';
import { createEnvelope } from '../../src/envelope.js';
import type { CallSiteInfo, SourcePosition } from '../../src/caller/call-site.js';
import { recordHop } from '../../src/hop.js';
import { createIdGenerator } from '../../src/ids.js';
import { createMessageTrace } from '../../src/trace/create-message-trace.js';
import { MESSAGE_TRACE_SCHEMA_VERSION } from '../../src/trace/message-trace.js';

const START = Date.UTC(2030, 0, 1, 12, 0, 0);

function manualClock(start = START): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

function fixedCallSite(position: Partial<SourcePosition> = {}): CallSiteInfo {
  const resolved: SourcePosition = {
    functionName: 'placeOrder',
    filePath: '/srv/app/src/orders/place-order.ts',
    relativePath: 'src/orders/place-order.ts',
    line: 42,
    column: 7,
    origin: 'source-map',
    ...position,
  };
  return {
    functionName: resolved.functionName,
    fileName: resolved.filePath,
    line: resolved.line,
    column: resolved.column,
    resolve: () => resolved,
  };
}

function routedEnvelope(clock = manualClock()) {
  const ids = createIdGenerator({ clock });
  const envelope = createEnvelope(
    { type: 'OrderPlaced', orderId: 'order-42', total: 10 },
    { clock, messageId: ids.messageId(), correlationId: ids.correlationId(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  );
  envelope.setRouting({ topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17 });
  envelope.policyTrail.recordDecision('OrderPolicy', 'matchesAggregate(Order)', true, { partitions: 4 }, 'aggregate is Order');
  return { envelope, clock, ids };
}

describe('createMessageTrace', () => {
  it('copies ids, routing and traceparent', () => {
    const { envelope } = routedEnvelope();

    const trace = createMessageTrace(envelope, { status: 'succeeded' });

    expect(trace.schemaVersion).toBe(MESSAGE_TRACE_SCHEMA_VERSION);
    expect(trace.messageId).toBe(envelope.messageId);
    expect(trace.correlationId).toBe(envelope.correlationId);
    expect(trace.causationId).toBeNull();
    expect(trace.messageType).toBe('OrderPlaced');
    expect(trace.timestamp).toBe(START);
    expect(trace.topic).toBe('orders');
    expect(trace.streamKey).toBe('order-42');
    expect(trace.partitionIndex).toBe(3);
    expect(trace.sequenceNumber).toBe(17);
    expect(trace.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(trace.outcome).toStrictEqual({ status: 'succeeded' });
  });

  it('links a child to its parent', () => {
    const { envelope: parent, clock } = routedEnvelope();
    const child = createEnvelope({ type: 'InvoiceRequested' }, { clock, parent });

    const trace = createMessageTrace(child, { status: 'succeeded' });

    expect(trace.causationId).toBe(parent.messageId);
    expect(trace.correlationId).toBe(parent.correlationId);
  });

  it('uses null for an unrouted envelope', () => {
    const envelope = createEnvelope({ type: 'Ping' }, { clock: manualClock() });

    const trace = createMessageTrace(envelope, { status: 'rejected', errorName: 'NoPolicyMatched', errorMessage: 'no rule' });

    expect(trace.topic).toBeNull();
    expect(trace.streamKey).toBeNull();
    expect(trace.partitionIndex).toBeNull();
    expect(trace.sequenceNumber).toBeNull();
    expect(trace.traceparent).toBeNull();
    expect(trace.hops).toStrictEqual([]);
    expect(trace.decisions).toStrictEqual([]);
  });

  it('round-trips through JSON unchanged', () => {
    const { envelope, clock } = routedEnvelope();
    envelope.addHop(recordHop({ topic: 'orders', streamKey: 'order-42', executionStrategy: 'serial', clock }, fixedCallSite()));
    envelope.addHop(
      recordHop({ topic: 'orders', streamKey: 'order-42', executionStrategy: 'serial', clock }, fixedCallSite({ line: undefined, column: undefined, origin: 'unknown' })),
    );

    const trace = createMessageTrace(envelope, { status: 'failed', errorName: 'Error', errorMessage: 'boom' }, { payload: 'include' });

    expect(JSON.parse(JSON.stringify(trace))).toStrictEqual(trace);
  });

  it('serialises hops with resolved callers', () => {
    const { envelope, clock } = routedEnvelope();
    clock.advance(5);
    envelope.addHop(
      recordHop(
        { topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17, executionStrategy: 'serial', durationMs: 1.5, clock },
        fixedCallSite(),
      ),
    );

    const [hop] = createMessageTrace(envelope, { status: 'succeeded' }).hops;

    expect(hop).toMatchObject({
      sequence: 0,
      timestamp: START + 5,
      durationMs: 1.5,
      executionStrategy: 'serial',
      topic: 'orders',
      streamKey: 'order-42',
      partitionIndex: 3,
      sequenceNumber: 17,
    });
    expect(typeof hop?.serviceName).toBe('string');
    expect(typeof hop?.machineName).toBe('string');
    expect(hop?.caller).toStrictEqual({
      functionName: 'placeOrder',
      filePath: '/srv/app/src/orders/place-order.ts',
      relativePath: 'src/orders/place-order.ts',
      line: 42,
      column: 7,
      origin: 'source-map',
    });
  });

  it('uses null for unknown caller parts', () => {
    const { envelope, clock } = routedEnvelope();
    const unknown = { functionName: undefined, filePath: undefined, relativePath: undefined, line: undefined, column: undefined, origin: 'unknown' as const };
    envelope.addHop(recordHop({ topic: 'orders', streamKey: 'k', executionStrategy: 'serial', clock }, fixedCallSite(unknown)));

    const [hop] = createMessageTrace(envelope, { status: 'succeeded' }).hops;

    expect(hop?.caller).toStrictEqual({ functionName: null, filePath: null, relativePath: null, line: null, column: null, origin: 'unknown' });
    expect(hop?.partitionIndex).toBeNull();
    expect(hop?.sequenceNumber).toBeNull();
  });

  it('records unknown caller when resolve throws', () => {
    const { envelope, clock } = routedEnvelope();
    const broken: CallSiteInfo = {
      functionName: 'f',
      fileName: '/x.js',
      line: 1,
      column: 1,
      resolve: () => {
        throw new Error('corrupt source map');
      },
    };
    envelope.addHop(recordHop({ topic: 'orders', streamKey: 'k', executionStrategy: 'serial', clock }, broken));

    const [hop] = createMessageTrace(envelope, { status: 'succeeded' }).hops;

    expect(hop?.caller.origin).toBe('unknown');
    expect(hop?.caller.line).toBeNull();
  });

  it('numbers three hops in one millisecond in order', () => {
    const { envelope, clock } = routedEnvelope();
    for (const strategy of ['first', 'second', 'third']) {
      envelope.addHop(recordHop({ topic: 'orders', streamKey: 'k', executionStrategy: strategy, clock }, fixedCallSite()));
    }

    const hops = createMessageTrace(envelope, { status: 'succeeded' }).hops;

    expect(hops.map((hop) => hop.executionStrategy)).toStrictEqual(['first', 'second', 'third']);
    expect(hops.map((hop) => hop.sequence)).toStrictEqual([0, 1, 2]);
    expect(new Set(hops.map((hop) => hop.timestamp)).size).toBe(1);
  });

  it('keeps recorded order when the clock steps back', () => {
    const { envelope, clock } = routedEnvelope();
    envelope.addHop(recordHop({ topic: 'orders', streamKey: 'k', executionStrategy: 'before', clock }, fixedCallSite()));
    clock.advance(-2000);
    envelope.addHop(recordHop({ topic: 'orders', streamKey: 'k', executionStrategy: 'after', clock }, fixedCallSite()));

    const hops = createMessageTrace(envelope, { status: 'succeeded' }).hops;

    expect(hops.map((hop) => hop.executionStrategy)).toStrictEqual(['before', 'after']);
    expect(hops.map((hop) => hop.sequence)).toStrictEqual([0, 1]);
    expect(hops[1]!.timestamp - hops[0]!.timestamp).toBe(-2000);
  });

  it('snapshots the envelope', () => {
    const { envelope, clock } = routedEnvelope();

    const trace = createMessageTrace(envelope, { status: 'succeeded' });
    envelope.addHop(recordHop({ topic: 'orders', streamKey: 'k', executionStrategy: 'serial', clock }, fixedCallSite()));
    envelope.policyTrail.recordDecision('Later', 'rule', false, null, 'after the trace');

    expect(trace.hops).toHaveLength(0);
    expect(trace.decisions).toHaveLength(1);
  });

  it('converts decisions to JSON', () => {
    const { envelope } = routedEnvelope();
    envelope.policyTrail.recordDecision('StreamPolicy', 'always', true, { streamKey: function byOrder() {} }, 'default');

    const decisions = createMessageTrace(envelope, { status: 'succeeded' }).decisions;

    expect(decisions).toStrictEqual([
      { policyName: 'OrderPolicy', rule: 'matchesAggregate(Order)', matched: true, configuration: { partitions: 4 }, reason: 'aggregate is Order', timestamp: START },
      { policyName: 'StreamPolicy', rule: 'always', matched: true, configuration: { streamKey: '[Function byOrder]' }, reason: 'default', timestamp: START },
    ]);
  });

  it('omits the payload by default', () => {
    const { envelope } = routedEnvelope();

    const trace = createMessageTrace(envelope, { status: 'succeeded' });

    expect('payload' in trace).toBe(false);
  });

  it('includes a copy of the payload on request', () => {
    const clock = manualClock();
    const payload = { type: 'OrderPlaced', lines: [{ sku: 'a', quantity: 1 }] };
    const envelope = createEnvelope(payload, { clock });

    const trace = createMessageTrace(envelope, { status: 'succeeded' }, { payload: 'include' });
    payload.lines.push({ sku: 'b', quantity: 2 });

    expect(trace.payload).toStrictEqual({ type: 'OrderPlaced', lines: [{ sku: 'a', quantity: 1 }] });
  });

  it('applies a payload function', () => {
    const envelope = createEnvelope({ type: 'UserRegistered', email: 'a@example.com', plan: 'pro' }, { clock: manualClock() });

    const trace = createMessageTrace(envelope, { status: 'succeeded' }, { payload: (message) => ({ plan: (message as { plan: string }).plan }) });

    expect(trace.payload).toStrictEqual({ plan: 'pro' });
  });

  it('rejects a circular payload naming the option', () => {
    const payload: { type: string; self?: unknown } = { type: 'Loop' };
    payload.self = payload;
    const envelope = createEnvelope(payload, { clock: manualClock() });

    expect(() => createMessageTrace(envelope, { status: 'succeeded' }, { payload: 'include' })).toThrow(/options\.payload/);
  });

  it('rejects an unknown payload option', () => {
    const { envelope } = routedEnvelope();

    expect(() => createMessageTrace(envelope, { status: 'succeeded' }, { payload: 'all' as never })).toThrow(TypeError);
    expect(() => createMessageTrace(envelope, { status: 'succeeded' }, { payload: 'all' as never })).toThrow(/options\.payload.*"all"/);
  });

  it('rejects an invalid outcome', () => {
    const { envelope } = routedEnvelope();

    expect(() => createMessageTrace(envelope, { status: 'ok' } as never)).toThrow(/outcome\.status/);
  });

  it('rejects a missing envelope', () => {
    expect(() => createMessageTrace(undefined as never, { status: 'succeeded' })).toThrow(TypeError);
    expect(() => createMessageTrace(undefined as never, { status: 'succeeded' })).toThrow(/envelope/);
  });
});
