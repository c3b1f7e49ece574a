import { describe, expect, it } from 'vitest';

import { InvalidIdError } from '../../src/ids.js';
import { snapshotMessageTrace } from '../../src/trace/snapshot-message-trace.js';
import { hopRecord, START, traceRecord } from './trace-fixtures.js';

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

describe('snapshotMessageTrace', () => {
  it('returns an equal deep-frozen copy', () => {
    const trace = traceRecord({ payload: { lines: [{ sku: 'a' }] }, causationId: null });

    const snapshot = snapshotMessageTrace(trace, 'trace');

    expect(snapshot).toStrictEqual(trace);
    expect(snapshot).not.toBe(trace);
    expect(isDeepFrozen(snapshot)).toBe(true);
  });

  it('lower-cases ids', () => {
    const trace = traceRecord();
    const upper = { ...trace, messageId: trace.messageId.toUpperCase() as never };

    expect(snapshotMessageTrace(upper, 'trace').messageId).toBe(trace.messageId);
  });

  it('rejects a non-object', () => {
    expect(() => snapshotMessageTrace(null, 'trace')).toThrow(/trace must be a MessageTrace/);
  });

  it('rejects invalid ids with InvalidIdError', () => {
    expect(() => snapshotMessageTrace({ ...traceRecord(), messageId: 'order-1' }, 'trace')).toThrow(InvalidIdError);
    expect(() => snapshotMessageTrace({ ...traceRecord(), messageId: 'order-1' }, 'trace')).toThrow(/trace\.messageId/);
    expect(() => snapshotMessageTrace({ ...traceRecord(), correlationId: 5 }, 'trace')).toThrow(/trace\.correlationId/);
    expect(() => snapshotMessageTrace({ ...traceRecord(), causationId: 'x' }, 'trace')).toThrow(/trace\.causationId/);
  });

  const invalidFields: [string, Record<string, unknown>, RegExp][] = [
    ['schema version', { schemaVersion: 2 }, /trace\.schemaVersion/],
    ['message type', { messageType: 3 }, /trace\.messageType/],
    ['NaN timestamp', { timestamp: Number.NaN }, /trace\.timestamp/],
    ['string timestamp', { timestamp: '2030-01-01' }, /trace\.timestamp/],
    ['undefined topic', { topic: undefined }, /trace\.topic/],
    ['fractional partition', { partitionIndex: 1.5 }, /trace\.partitionIndex/],
    ['negative partition', { partitionIndex: -1 }, /trace\.partitionIndex/],
    ['infinite sequence number', { sequenceNumber: Infinity }, /trace\.sequenceNumber/],
    ['hops not an array', { hops: {} }, /trace\.hops/],
    ['decisions not an array', { decisions: 'none' }, /trace\.decisions/],
    ['outcome status', { outcome: { status: 'ok' } }, /trace\.outcome\.status/],
    ['traceparent', { traceparent: 1 }, /trace\.traceparent/],
    ['unknown field', { extra: true }, /trace\.extra/],
    ['payload date', { payload: { at: new Date(0) } }, /trace\.payload\.at/],
    ['payload function', { payload: [() => 1] }, /trace\.payload\[0\]/],
    ['payload undefined in array', { payload: [undefined] }, /trace\.payload\[0\]/],
    ['payload bigint', { payload: 1n }, /trace\.payload/],
    ['payload NaN', { payload: { n: Number.NaN } }, /trace\.payload\.n/],
  ];
  for (const [name, fields, message] of invalidFields) {
    it(`rejects ${name}`, () => {
      expect(() => snapshotMessageTrace({ ...traceRecord(), ...fields }, 'trace')).toThrow(TypeError);
      expect(() => snapshotMessageTrace({ ...traceRecord(), ...fields }, 'trace')).toThrow(message);
    });
  }

  it('rejects a circular payload', () => {
    const payload: Record<string, unknown> = {};
    payload['self'] = payload;

    expect(() => snapshotMessageTrace({ ...traceRecord(), payload }, 'trace')).toThrow(/trace\.payload\.self.*circular/);
  });

  it('accepts a payload shared twice without a cycle', () => {
    const shared = { sku: 'a' };

    const snapshot = snapshotMessageTrace({ ...traceRecord(), payload: { first: shared, second: shared } }, 'trace');

    expect(snapshot.payload).toStrictEqual({ first: { sku: 'a' }, second: { sku: 'a' } });
  });

  it('drops undefined optional fields', () => {
    const snapshot = snapshotMessageTrace({ ...traceRecord(), payload: undefined, outcome: { status: 'succeeded', errorName: undefined } }, 'trace');

    expect('payload' in snapshot).toBe(false);
    expect(snapshot.outcome).toStrictEqual({ status: 'succeeded' });
  });

  it('rejects hops out of sequence', () => {
    const hops = [hopRecord(1, START), hopRecord(0, START)];

    expect(() => snapshotMessageTrace({ ...traceRecord(), hops }, 'trace')).toThrow(/trace\.hops\[0\]\.sequence.*0/);
  });

  const invalidHopFields: [string, Record<string, unknown>, RegExp][] = [
    ['service name', { serviceName: null }, /trace\.hops\[0\]\.serviceName/],
    ['duration', { durationMs: -1 }, /trace\.hops\[0\]\.durationMs/],
    ['caller', { caller: null }, /trace\.hops\[0\]\.caller/],
    ['caller line', { caller: { ...hopRecord(0, START).caller, line: 0 } }, /trace\.hops\[0\]\.caller\.line/],
    ['caller origin', { caller: { ...hopRecord(0, START).caller, origin: 'guess' } }, /trace\.hops\[0\]\.caller\.origin/],
    ['unknown hop field', { extra: 1 }, /trace\.hops\[0\]\.extra/],
  ];
  for (const [name, fields, message] of invalidHopFields) {
    it(`rejects hop ${name}`, () => {
      const hops = [{ ...hopRecord(0, START), ...fields }];

      expect(() => snapshotMessageTrace({ ...traceRecord(), hops }, 'trace')).toThrow(message);
    });
  }

  it('rejects an invalid decision', () => {
    const decision = { ...traceRecord().decisions[0], matched: 'yes' };

    expect(() => snapshotMessageTrace({ ...traceRecord(), decisions: [decision] }, 'trace')).toThrow(/trace\.decisions\[0\]\.matched/);
  });
});
