import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Clock } from '../src/clock.js';
import { createEnvelope, EnvelopeStateError, envelopeToJSON, type MessageEnvelope } from '../src/envelope.js';
import { recordHop, type MessageHop } from '../src/hop.js';
import { createIdGenerator, idTimestamp, InvalidIdError, parseMessageId } from '../src/ids.js';

const clock: Clock = { now: () => 1_760_000_000_000 };
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function hop(streamKey = 'order-42'): MessageHop {
  return recordHop({ topic: 'orders', streamKey, executionStrategy: 'serial', clock });
}

class OrderPlaced {
  constructor(readonly orderId: string) {}
}

describe('createEnvelope', () => {
  it('creates ids, timestamp and defaults', () => {
    const envelope = createEnvelope({ type: 'OrderPlaced', orderId: '42' }, { clock });

    expect(parseMessageId(envelope.messageId)).toBe(envelope.messageId);
    expect(envelope.correlationId).not.toBe(envelope.messageId);
    expect(envelope.causationId).toBeUndefined();
    expect(envelope.timestamp).toBe(1_760_000_000_000);
    expect(envelope.messageType).toBe('OrderPlaced');
    expect(envelope.topic).toBeUndefined();
    expect(envelope.streamKey).toBeUndefined();
    expect(envelope.partitionIndex).toBeUndefined();
    expect(envelope.sequenceNumber).toBeUndefined();
    expect(envelope.userId).toBeUndefined();
    expect(envelope.tenantId).toBeUndefined();
    expect(envelope.traceparent).toBeUndefined();
    expect(envelope.metadata).toEqual({});
    expect(envelope.hops).toEqual([]);
    expect(envelope.policyTrail.decisions).toEqual([]);
  });

  it('gives a child its parent correlation and causation', () => {
    const parent = createEnvelope({ type: 'PlaceOrder' });
    const child = createEnvelope({ type: 'OrderPlaced' }, { parent });
    const grandchild = createEnvelope({ type: 'InvoiceRequested' }, { parent: child });

    expect(child.correlationId).toBe(parent.correlationId);
    expect(child.causationId).toBe(parent.messageId);
    expect(grandchild.correlationId).toBe(parent.correlationId);
    expect(grandchild.causationId).toBe(child.messageId);
    expect(new Set([parent.messageId, child.messageId, grandchild.messageId]).size).toBe(3);
  });

  it('keeps explicit ids over the parent', () => {
    const ids = createIdGenerator({ clock });
    const parent = createEnvelope({});
    const messageId = ids.messageId();
    const correlationId = ids.correlationId();
    const causationId = parseMessageId(ids.messageId()) as string as never;

    const envelope = createEnvelope({}, { parent, messageId, correlationId, causationId });

    expect(envelope.messageId).toBe(messageId);
    expect(envelope.correlationId).toBe(correlationId);
    expect(envelope.causationId).toBe(causationId);
  });

  it('chains correlation along any family tree', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (parentChoices) => {
        const envelopes: MessageEnvelope[] = [createEnvelope({ type: 'Root' })];
        for (const choice of parentChoices) {
          const parent = envelopes[choice % envelopes.length]!;
          const child = createEnvelope({ type: 'Child' }, { parent });

          expect(child.causationId).toBe(parent.messageId);
          envelopes.push(child);
        }
        expect(new Set(envelopes.map((envelope) => envelope.correlationId)).size).toBe(1);
      }),
    );
  });

  it('derives the message type', () => {
    expect(createEnvelope({ type: 'Shipped' }).messageType).toBe('Shipped');
    expect(createEnvelope(new OrderPlaced('1')).messageType).toBe('OrderPlaced');
    expect(createEnvelope({ orderId: '1' }).messageType).toBe('unknown');
    expect(createEnvelope(Object.create(null)).messageType).toBe('unknown');
    expect(createEnvelope('text').messageType).toBe('unknown');
    expect(createEnvelope(null).messageType).toBe('unknown');
    expect(createEnvelope({ type: 7 }).messageType).toBe('unknown');
    expect(createEnvelope(new OrderPlaced('1'), { messageType: 'Custom' }).messageType).toBe('Custom');
  });

  it('copies and freezes metadata', () => {
    const metadata: Record<string, unknown> = { tags: ['vip'], priority: 1 };
    const envelope = createEnvelope({}, { metadata, userId: 'u-1', tenantId: 't-1' });
    metadata['priority'] = 2;

    expect(envelope.metadata).toEqual({ tags: ['vip'], priority: 1 });
    expect(Object.isFrozen(envelope.metadata)).toBe(true);
    expect(envelope.userId).toBe('u-1');
    expect(envelope.tenantId).toBe('t-1');
  });

  it('timestamps trail decisions with its clock', () => {
    let now = 100;
    const envelope = createEnvelope({}, { clock: { now: () => now } });
    now = 250;
    envelope.policyTrail.recordDecision('P', 'r', true, null, 'why');

    expect(envelope.timestamp).toBe(100);
    expect(envelope.policyTrail.decisions[0]!.timestamp).toBe(250);
  });

  it('stamps ids with its clock', () => {
    const envelope = createEnvelope({}, { clock });

    expect(idTimestamp(envelope.messageId)).toBe(1_760_000_000_000);
    expect(idTimestamp(envelope.correlationId)).toBe(1_760_000_000_000);
  });

  it('rejects invalid options with named errors', () => {
    expect(() => createEnvelope({}, { messageId: 'x' as never })).toThrow(InvalidIdError);
    expect(() => createEnvelope({}, { correlationId: 'x' as never })).toThrow(/correlationId/);
    expect(() => createEnvelope({}, { causationId: 'x' as never })).toThrow(/causationId/);
    expect(() => createEnvelope({}, { parent: {} as never })).toThrow(/options\.parent/);
    expect(() => createEnvelope({}, { messageType: '' })).toThrow(/options\.messageType/);
    expect(() => createEnvelope({}, { userId: 5 as never })).toThrow(/options\.userId/);
    expect(() => createEnvelope({}, { tenantId: 5 as never })).toThrow(/options\.tenantId/);
    expect(() => createEnvelope({}, { metadata: [] as never })).toThrow(/options\.metadata/);
    expect(() => createEnvelope({}, { clock: {} as never })).toThrow(/options\.clock/);
    expect(() => createEnvelope({}, { traceparent: 'nope' })).toThrow(/traceparent/);
    expect(() => createEnvelope({}, 'options' as never)).toThrow(/options/);
  });
});

describe('envelope hops', () => {
  it('appends hops in order', () => {
    const envelope = createEnvelope({});
    const hops = [hop('a'), hop('b'), hop('c')];
    for (const item of hops) envelope.addHop(item);

    expect(envelope.hops).toEqual(hops);
    expect(envelope.hops.map((item) => item.streamKey)).toEqual(['a', 'b', 'c']);
  });

  it('rejects mutation of the hops array', () => {
    const envelope = createEnvelope({});
    envelope.addHop(hop('order-42'));
    envelope.addHop(hop('order-43'));
    const hops = envelope.hops as MessageHop[];

    expect(() => hops.push(hop())).toThrow(TypeError);
    expect(() => hops.pop()).toThrow(TypeError);
    expect(() => {
      hops[0] = hop('other');
    }).toThrow(TypeError);
    expect(() => hops.reverse()).toThrow(TypeError);
    expect(envelope.hops.map((item) => item.streamKey)).toEqual(['order-42', 'order-43']);
  });

  it('rejects replacing the hops array', () => {
    const envelope = createEnvelope({});

    expect(() => {
      (envelope as { hops: unknown }).hops = [];
    }).toThrow(TypeError);
  });

  it('freezes a hop the caller built', () => {
    const envelope = createEnvelope({});
    const built = { ...hop() };
    envelope.addHop(built);
    built.streamKey = 'changed afterwards';

    expect(envelope.hops[0]!.streamKey).toBe('order-42');
    expect(Object.isFrozen(envelope.hops[0])).toBe(true);
  });

  it('keeps earlier hop snapshots unchanged', () => {
    const envelope = createEnvelope({});
    envelope.addHop(hop('a'));
    const before = envelope.hops;
    envelope.addHop(hop('b'));

    expect(before).toHaveLength(1);
    expect(envelope.hops).toHaveLength(2);
  });

  it('rejects a value that is not a hop', () => {
    const envelope = createEnvelope({});

    expect(() => envelope.addHop(undefined as never)).toThrow(TypeError);
    expect(() => envelope.addHop({ topic: 'x' } as never)).toThrow(/hop/);
    expect(envelope.hops).toHaveLength(0);
  });
});

describe('envelope routing and traceparent', () => {
  it('sets routing once', () => {
    const envelope = createEnvelope({});
    envelope.setRouting({ topic: 'orders', streamKey: 'order-42', partitionIndex: 2, sequenceNumber: 9 });

    expect(envelope.topic).toBe('orders');
    expect(envelope.streamKey).toBe('order-42');
    expect(envelope.partitionIndex).toBe(2);
    expect(envelope.sequenceNumber).toBe(9);
    expect(() => envelope.setRouting({ topic: 'other', streamKey: 'k', partitionIndex: 0, sequenceNumber: undefined })).toThrow(
      EnvelopeStateError,
    );
    expect(envelope.topic).toBe('orders');
  });

  it('accepts routing without a sequence number', () => {
    const envelope = createEnvelope({});
    envelope.setRouting({ topic: 'orders', streamKey: '', partitionIndex: 0, sequenceNumber: undefined });

    expect(envelope.sequenceNumber).toBeUndefined();
    expect(envelope.streamKey).toBe('');
  });

  it('rejects invalid routing and stays unset', () => {
    const envelope = createEnvelope({});
    const base = { topic: 'orders', streamKey: 'k', partitionIndex: 0, sequenceNumber: undefined };

    expect(() => envelope.setRouting(undefined as never)).toThrow(/routing/);
    expect(() => envelope.setRouting({ ...base, topic: '' })).toThrow(/routing\.topic/);
    expect(() => envelope.setRouting({ ...base, streamKey: 1 as never })).toThrow(/routing\.streamKey/);
    expect(() => envelope.setRouting({ ...base, partitionIndex: -1 })).toThrow(RangeError);
    expect(() => envelope.setRouting({ ...base, sequenceNumber: 0.5 })).toThrow(/routing\.sequenceNumber/);
    expect(envelope.topic).toBeUndefined();
  });

  it('copies routing so later edits do not leak in', () => {
    const envelope = createEnvelope({});
    const routing = { topic: 'orders', streamKey: 'k', partitionIndex: 1, sequenceNumber: 1 };
    envelope.setRouting(routing);
    routing.partitionIndex = 7;

    expect(envelope.partitionIndex).toBe(1);
  });

  it('sets traceparent once', () => {
    const envelope = createEnvelope({});
    envelope.setTraceparent(TRACEPARENT);

    expect(envelope.traceparent).toBe(TRACEPARENT);
    expect(() => envelope.setTraceparent(TRACEPARENT)).toThrow(EnvelopeStateError);
    expect(() => createEnvelope({}, { traceparent: TRACEPARENT }).setTraceparent(TRACEPARENT)).toThrow(/already/);
  });

  it('rejects malformed traceparents', () => {
    const envelope = createEnvelope({});
    const invalid = [
      '',
      'nope',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    ];
    for (const value of invalid) {
      expect(() => envelope.setTraceparent(value)).toThrow(TypeError);
    }
    expect(envelope.traceparent).toBeUndefined();
  });

  it('accepts a future traceparent version with extra fields', () => {
    const envelope = createEnvelope({});
    envelope.setTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future');

    expect(envelope.traceparent).toBe('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future');
  });
});

describe('envelope JSON', () => {
  it('serialises every field with hops resolved', () => {
    const envelope = createEnvelope({ type: 'OrderPlaced', orderId: '42' }, { clock, userId: 'u', metadata: { tags: ['vip'] } });
    envelope.setRouting({ topic: 'orders', streamKey: 'order-42', partitionIndex: 1, sequenceNumber: 3 });
    envelope.setTraceparent(TRACEPARENT);
    envelope.policyTrail.recordDecision('P', 'r', true, { partitions: 4 }, 'why');
    const recorded = recordHop({ topic: 'orders', streamKey: 'order-42', executionStrategy: 'serial', clock }); // json hop
    envelope.addHop(recorded);

    const json = JSON.parse(JSON.stringify(envelope)) as Record<string, unknown>;

    expect(json).toEqual({
      messageId: envelope.messageId,
      correlationId: envelope.correlationId,
      timestamp: 1_760_000_000_000,
      messageType: 'OrderPlaced',
      payload: { type: 'OrderPlaced', orderId: '42' },
      topic: 'orders',
      streamKey: 'order-42',
      partitionIndex: 1,
      sequenceNumber: 3,
      userId: 'u',
      metadata: { tags: ['vip'] },
      traceparent: TRACEPARENT,
      policyTrail: { decisions: [{ policyName: 'P', rule: 'r', matched: true, configuration: { partitions: 4 }, reason: 'why', timestamp: 1_760_000_000_000 }] },
      hops: [JSON.parse(JSON.stringify({ ...recorded, caller: recorded.caller.resolve() }))],
    });
    expect(envelopeToJSON(envelope)).toEqual(JSON.parse(JSON.stringify(envelopeToJSON(envelope))));
    expect((json['hops'] as { caller: { origin: string; relativePath: string } }[])[0]!.caller).toMatchObject({
      origin: 'source-map',
      relativePath: 'packages/observability/test/envelope.test.ts',
    });
  });
});
