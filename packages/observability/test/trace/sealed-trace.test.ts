import { isDeepStrictEqual } from 'node:util';

import { describe, expect, it } from 'vitest';

import type { CallSiteInfo, SourcePosition } from '../../src/caller/call-site.js';
import { createEnvelope } from '../../src/envelope.js';
import { recordHop, type MessageHop } from '../../src/hop.js';
import { createMessageTrace } from '../../src/trace/create-message-trace.js';
import { InMemoryTraceStore } from '../../src/trace/in-memory-trace-store.js';
import { prepareMessageTrace } from '../../src/trace/prepare-message-trace.js';
import { snapshotMessageTrace } from '../../src/trace/snapshot-message-trace.js';

const POSITION: SourcePosition = Object.freeze({
  functionName: 'placeOrder',
  filePath: '/srv/app/src/orders.ts',
  relativePath: 'src/orders.ts',
  line: 42,
  column: 7,
  origin: 'source-map',
});

function callSite(position: SourcePosition = POSITION): CallSiteInfo {
  return { functionName: position.functionName, fileName: position.filePath, line: position.line, column: position.column, resolve: () => position };
}

function tracedEnvelope(configuration: unknown = Object.freeze({ partitions: 4, tags: Object.freeze(['a', 'b']) })) {
  const envelope = createEnvelope({ type: 'OrderPlaced', orderId: 'order-42', lines: [{ sku: 'x', quantity: 2 }] });
  envelope.setRouting({ topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17 });
  envelope.policyTrail.recordDecision('OrderPolicy', 'isOrder', true, configuration, 'predicate returned true');
  envelope.addHop(recordHop({ topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17, executionStrategy: 'serial', durationMs: 0.5 }, callSite()));
  return envelope;
}

/** Collects every object and array reachable from `value`. */
function reachableObjects(value: unknown, found: object[] = []): object[] {
  if (typeof value !== 'object' || value === null) return found;

  found.push(value);
  for (const item of Object.values(value)) reachableObjects(item, found);
  return found;
}

describe('traces from createMessageTrace', () => {
  it('are deep-frozen, payload and configuration included', () => {
    const trace = createMessageTrace(tracedEnvelope(), { status: 'failed', errorName: 'Error', errorMessage: 'boom' }, { payload: 'include' });

    const objects = reachableObjects(trace);

    expect(objects.length).toBeGreaterThan(10);
    expect(objects.filter((object) => !Object.isFrozen(object))).toStrictEqual([]);
  });

  it('are kept by a store as they are, without a copy', async () => {
    const store = new InMemoryTraceStore();
    const trace = createMessageTrace(tracedEnvelope(), { status: 'succeeded' });

    await store.store(trace);

    expect(await store.getByMessageId(trace.messageId)).toBe(trace);
  });

  it('are returned by snapshotMessageTrace and prepareMessageTrace unchanged', () => {
    const trace = createMessageTrace(tracedEnvelope(), { status: 'succeeded' });

    expect(snapshotMessageTrace(trace, 'trace')).toBe(trace);
    expect(prepareMessageTrace(trace, 'trace')).toBe(trace);
  });

  it('are still copied when spread into a new object', () => {
    const trace = createMessageTrace(tracedEnvelope(), { status: 'succeeded' });

    const copy = snapshotMessageTrace({ ...trace }, 'trace');

    expect(copy).not.toBe(trace);
    expect(copy).toStrictEqual(trace);
  });

  it('share a repeated deep-frozen JSON configuration', () => {
    const configuration = Object.freeze({ partitions: 4, tags: Object.freeze(['a', 'b']) });

    const traces = [1, 2, 3].map(() => createMessageTrace(tracedEnvelope(configuration), { status: 'succeeded' }));

    // The first sighting copies; from the second on, the value itself is recorded.
    expect(traces[0]?.decisions[0]?.configuration).toStrictEqual(configuration);
    expect(traces[1]?.decisions[0]?.configuration).toBe(configuration);
    expect(traces[2]?.decisions[0]?.configuration).toBe(configuration);
  });

  it('copy a configuration that can still change', () => {
    const tags = ['a', 'b'];
    const configuration = Object.freeze({ partitions: 4, tags });

    const trace = createMessageTrace(tracedEnvelope(configuration), { status: 'succeeded' });
    tags.push('c');

    expect(trace.decisions[0]?.configuration).toStrictEqual({ partitions: 4, tags: ['a', 'b'] });
  });

  it('copy a frozen configuration with a getter each time', () => {
    let partitions = 4;
    const configuration = Object.freeze({
      get partitions() {
        return partitions;
      },
    });

    const first = createMessageTrace(tracedEnvelope(configuration), { status: 'succeeded' });
    const second = createMessageTrace(tracedEnvelope(configuration), { status: 'succeeded' });
    partitions = 8;
    const third = createMessageTrace(tracedEnvelope(configuration), { status: 'succeeded' });

    expect(first.decisions[0]?.configuration).toStrictEqual({ partitions: 4 });
    expect(second.decisions[0]?.configuration).toStrictEqual({ partitions: 4 });
    expect(third.decisions[0]?.configuration).toStrictEqual({ partitions: 8 });
  });

  it('convert a repeated frozen configuration holding a function once', () => {
    const configuration = Object.freeze({ streamKey: function byOrder() {} });

    const traces = [1, 2, 3].map(() => createMessageTrace(tracedEnvelope(configuration), { status: 'succeeded' }));

    expect(traces[0]?.decisions[0]?.configuration).toStrictEqual({ streamKey: '[Function byOrder]' });
    expect(traces[1]?.decisions[0]?.configuration).toStrictEqual({ streamKey: '[Function byOrder]' });
    expect(traces[2]?.decisions[0]?.configuration).toBe(traces[1]?.decisions[0]?.configuration);
  });

  it('write -0 in a frozen configuration as 0, as JSON does', () => {
    const configuration = Object.freeze({ offset: -0 });

    const trace = createMessageTrace(tracedEnvelope(configuration), { status: 'succeeded' });

    expect(Object.is((trace.decisions[0]?.configuration as { offset: number }).offset, 0)).toBe(true);
  });

  it('share one frozen record per bare outcome status', () => {
    const first = createMessageTrace(tracedEnvelope(), { status: 'succeeded' });
    const second = createMessageTrace(tracedEnvelope(), { status: 'succeeded' });
    const failed = createMessageTrace(tracedEnvelope(), { status: 'failed', errorMessage: 'boom' });

    expect(first.outcome).toBe(second.outcome);
    expect(first.outcome).toStrictEqual({ status: 'succeeded' });
    expect(failed.outcome).toStrictEqual({ status: 'failed', errorMessage: 'boom' });
  });

  it('share one frozen caller record per resolved position', () => {
    const first = createMessageTrace(tracedEnvelope(), { status: 'succeeded' });
    const second = createMessageTrace(tracedEnvelope(), { status: 'succeeded' });

    expect(first.hops[0]?.caller).toBe(second.hops[0]?.caller);
    expect(first.hops[0]?.caller).toStrictEqual({ ...POSITION });
  });

  it('leave a hand-built hop with an invalid field for the store to reject', async () => {
    const envelope = tracedEnvelope();
    const invalidHop = { ...envelope.hops[0], partitionIndex: -1 } as MessageHop;
    envelope.addHop(invalidHop);

    const trace = createMessageTrace(envelope, { status: 'succeeded' });

    await expect(new InMemoryTraceStore().store(trace)).rejects.toThrow(/trace\.hops\[1\]\.partitionIndex/);
  });

  it('leave a decision with an invalid timestamp for the store to reject', async () => {
    const envelope = tracedEnvelope();
    const trail = envelope.policyTrail as unknown as { decisions: unknown };
    const decisions = envelope.policyTrail.decisions.map((decision) => ({ ...decision, timestamp: Number.NaN }));
    Object.defineProperty(trail, 'decisions', { value: decisions });

    const trace = createMessageTrace(envelope, { status: 'succeeded' });

    await expect(new InMemoryTraceStore().store(trace)).rejects.toThrow(/trace\.decisions\[0\]\.timestamp/);
  });
});

describe('sealed traces and equality', () => {
  it('deep-equal their JSON round trip strictly', () => {
    const trace = createMessageTrace(tracedEnvelope(), { status: 'succeeded' }, { payload: 'include' });

    const roundTrip: unknown = JSON.parse(JSON.stringify(trace));

    expect(isDeepStrictEqual(trace, roundTrip)).toBe(true);
    expect(roundTrip).toStrictEqual(trace);
    expect(Object.getPrototypeOf(trace)).toBe(Object.prototype);
  });
});
