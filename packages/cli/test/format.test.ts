import type { MessageTrace, TraceCallSite, TraceDecision } from '@whizbang/observability';
import { describe, expect, it } from 'vitest';

import { formatCallSite, formatCausalChain, formatPolicyTrail, formatRouting, formatTraceDetails, useColour } from '../src/index.js';

const SITE: TraceCallSite = {
  functionName: 'placeOrder',
  filePath: '/srv/shop/src/orders.ts',
  relativePath: 'src/orders.ts',
  line: 42,
  column: 7,
  origin: 'source-map',
};

let counter = 0;
function trace(messageType: string, causationId: string | null, changes: Partial<MessageTrace> = {}): MessageTrace {
  counter++;
  return {
    schemaVersion: 1,
    messageId: `01a242bc-bd3d-7500-9de8-${String(counter).padStart(12, '0')}` as MessageTrace['messageId'],
    correlationId: '01a242bc-bd3d-7500-9de8-ffffffffffff' as MessageTrace['correlationId'],
    causationId: causationId as MessageTrace['causationId'],
    messageType,
    timestamp: 1_800_000_000_000 + counter,
    topic: 'orders',
    streamKey: 'order-1',
    partitionIndex: 0,
    sequenceNumber: counter,
    hops: [],
    decisions: [],
    outcome: { status: 'succeeded' },
    traceparent: null,
    ...changes,
  };
}

describe('formatCallSite', () => {
  it.each([
    ['a mapped position', SITE, 'src/orders.ts:42:7 (placeOrder)'],
    ['no relative path', { ...SITE, relativePath: null }, '/srv/shop/src/orders.ts:42:7 (placeOrder)'],
    ['no column or function', { ...SITE, column: null, functionName: null }, 'src/orders.ts:42'],
    ['a compiled position', { ...SITE, relativePath: 'dist/orders.js', origin: 'compiled' as const }, 'dist/orders.js:42:7 (placeOrder) (compiled)'],
    ['no position', { ...SITE, filePath: null, relativePath: null, line: null, column: null, origin: 'unknown' as const }, 'unknown position'],
  ])('formats %s', (_case, site, expected) => {
    expect(formatCallSite(site)).toBe(expected);
  });
});

describe('formatRouting', () => {
  it('leaves out missing parts', () => {
    expect(formatRouting({ topic: null, streamKey: null, sequenceNumber: null, partitionIndex: null })).toBe('not routed');
    expect(formatRouting({ topic: 'audit', streamKey: '', sequenceNumber: null, partitionIndex: 3 })).toBe('audit p3');
  });
});

describe('formatCausalChain', () => {
  it('draws branches and detail lines', () => {
    const root = trace('PlaceOrder', null, {
      hops: [{ sequence: 0, serviceName: 'shop', machineName: 'web-1', timestamp: 1, durationMs: 1.234, executionStrategy: 'serial', topic: 'orders', streamKey: 'order-1', partitionIndex: 0, sequenceNumber: 1, caller: SITE }],
      decisions: [
        { policyName: 'audit', rule: 'isAudit', matched: false, configuration: null, reason: 'predicate returned false', timestamp: 1 },
        { policyName: 'orders', rule: 'isOrder', matched: true, configuration: null, reason: 'predicate returned true', timestamp: 1 },
      ],
    });
    const first = trace('StockReserved', root.messageId);
    const second = trace('OrderViewUpdate', root.messageId, { outcome: { status: 'failed', errorName: 'TypeError', errorMessage: 'boom' } });
    const grandchild = trace('PaymentCharged', first.messageId, { decisions: [{ policyName: 'orders', rule: 'isOrder', matched: false, configuration: null, reason: 'no', timestamp: 1 }] });

    expect(formatCausalChain([root, first, second, grandchild], { highlight: first.messageId }).split('\n')).toEqual([
      `PlaceOrder ${root.messageId}  orders/order-1 #${root.sequenceNumber} p0  succeeded`,
      '│  policy orders matched: isOrder (predicate returned true)',
      '│  hop 0: serial, 1.23 ms, at src/orders.ts:42:7 (placeOrder)',
      `├─ StockReserved ${first.messageId}  orders/order-1 #${first.sequenceNumber} p0  succeeded  ◀`,
      '│  │  no policy decisions recorded',
      '│  │  no hops recorded',
      `│  └─ PaymentCharged ${grandchild.messageId}  orders/order-1 #${grandchild.sequenceNumber} p0  succeeded`,
      '│        no policy matched (1 evaluated)',
      '│        no hops recorded',
      `└─ OrderViewUpdate ${second.messageId}  orders/order-1 #${second.sequenceNumber} p0  failed (TypeError: boom)`,
      '      no policy decisions recorded',
      '      no hops recorded',
    ]);
  });

  it('starts a tree per missing cause', () => {
    const orphan = trace('A', '01a242bc-bd3d-7500-9de8-000000999999');
    const other = trace('B', null);
    const lines = formatCausalChain([orphan, other]).split('\n');
    expect(lines[0]).toMatch(/^A /);
    expect(lines[3]).toMatch(/^B /);
  });

  it('breaks a causation cycle', () => {
    const a = trace('A', null);
    const b = trace('B', a.messageId);
    const cyclicA = { ...a, causationId: b.messageId as string as MessageTrace['causationId'] };
    const self = trace('C', null);
    const selfCaused = { ...self, causationId: self.messageId as string as MessageTrace['causationId'] };

    const lines = formatCausalChain([cyclicA, b, selfCaused]).split('\n');
    expect(lines.filter((line) => /^(├─ |└─ )?[ABC] /.test(line.replace(/^[│ ]+/, '')))).toHaveLength(3);
    expect(lines[0]).toMatch(/^A /);
    expect(lines[3]).toMatch(/^└─ B /);
    expect(lines[6]).toMatch(/^C /);
  });
});

describe('trace details', () => {
  it('shows payload, traceparent and an empty trail', () => {
    const text = formatTraceDetails(trace('X', null, { payload: { total: 3 }, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }));
    expect(text).toContain('  payload      {"total":3}');
    expect(text).toContain('  traceparent  00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(text).toContain('  policy decisions (0)');
    expect(formatPolicyTrail([])).toBe('No policy decisions were recorded for this message.');
  });
});

describe('policy trail', () => {
  const decision = (stream: string): TraceDecision => ({
    policyName: 'orders',
    rule: 'always',
    matched: true,
    reason: 'predicate returned true',
    configuration: { topic: 'orders', stream },
    timestamp: 0,
  });

  it.each([
    ['[Function anonymous]', '"stream":"[function] (per message)"'],
    ['[Function orderIdOf]', '"stream":"[function orderIdOf] (per message)"'],
    ['order-views', '"stream":"order-views"'],
  ])('shows the stream %s as %s', (stream, shown) => {
    expect(formatPolicyTrail([decision(stream)])).toContain(`configuration  {"topic":"orders",${shown}}`);
  });
});

describe('useColour', () => {
  it.each([
    [true, {}, true],
    [true, { NO_COLOR: '' }, true],
    [true, { NO_COLOR: '1' }, false],
    [false, {}, false],
    [undefined, {}, false],
  ])('terminal %s with %o gives %s', (terminal, env, expected) => {
    expect(useColour(terminal, env)).toBe(expected);
  });
});
