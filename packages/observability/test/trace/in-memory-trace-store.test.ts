import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InvalidIdError, type CausationId, type CorrelationId, type MessageId } from '../../src/ids.js';
import { InMemoryTraceStore } from '../../src/trace/in-memory-trace-store.js';
import type { MessageTrace } from '../../src/trace/message-trace.js';
import { TraceStoreClosedError } from '../../src/trace/trace-store-closed-error.js';
import { childRecord, hopRecord, nextMessageId, START, traceRecord } from './trace-fixtures.js';

function messageIds(traces: readonly MessageTrace[]): string[] {
  return traces.map((trace) => trace.messageId);
}

async function storeAll(store: InMemoryTraceStore, traces: readonly MessageTrace[]): Promise<void> {
  for (const trace of traces) await store.store(trace);
}

describe('InMemoryTraceStore', () => {
  describe('store and getByMessageId', () => {
    it('returns the stored trace', async () => {
      const store = new InMemoryTraceStore();
      const trace = traceRecord({ payload: { orderId: 'order-42' } });

      await store.store(trace);

      expect(await store.getByMessageId(trace.messageId)).toStrictEqual(JSON.parse(JSON.stringify(trace)));
    });

    it('returns undefined for an unknown id', async () => {
      const store = new InMemoryTraceStore();
      await store.store(traceRecord());

      expect(await store.getByMessageId(nextMessageId())).toBeUndefined();
    });

    it('finds an upper-case id', async () => {
      const store = new InMemoryTraceStore();
      const trace = traceRecord();
      await store.store(trace);

      expect((await store.getByMessageId(trace.messageId.toUpperCase() as MessageId))?.messageId).toBe(trace.messageId);
    });

    it('keeps a snapshot of the stored trace', async () => {
      const store = new InMemoryTraceStore();
      const trace = traceRecord();
      const mutable = JSON.parse(JSON.stringify(trace)) as { hops: unknown[]; outcome: { status: string } };

      await store.store(mutable as unknown as MessageTrace);
      mutable.hops.push(hopRecord(1, START));
      mutable.outcome.status = 'failed';

      expect(await store.getByMessageId(trace.messageId)).toStrictEqual(trace);
    });

    it('returns frozen traces', async () => {
      const store = new InMemoryTraceStore();
      const trace = traceRecord();
      await store.store(trace);

      const stored = await store.getByMessageId(trace.messageId);

      expect(Object.isFrozen(stored)).toBe(true);
      expect(Object.isFrozen(stored?.hops)).toBe(true);
    });

    it('replaces a trace with the same id', async () => {
      const store = new InMemoryTraceStore();
      const first = traceRecord({ outcome: { status: 'failed', errorName: 'Error', errorMessage: 'first try' } });
      const second = { ...first, outcome: { status: 'succeeded' as const } };

      await store.store(first);
      await store.store(second);

      expect(await store.getByMessageId(first.messageId)).toStrictEqual(second);
      expect(messageIds(await store.getByCorrelation(first.correlationId))).toStrictEqual([first.messageId]);
      expect(messageIds(await store.getByTimeRange(START, START))).toStrictEqual([first.messageId]);
      expect(store.stats().traces).toBe(1);
    });

    it('moves a replaced trace in every index', async () => {
      const store = new InMemoryTraceStore();
      const parent = traceRecord();
      const otherParent = traceRecord();
      const first = childRecord(parent, { timestamp: START + 10 });
      const moved = { ...childRecord(otherParent, { timestamp: START + 20 }), messageId: first.messageId };
      await storeAll(store, [parent, otherParent, first]);

      await store.store(moved);

      expect(messageIds(await store.getByCorrelation(parent.correlationId))).toStrictEqual([parent.messageId]);
      expect(messageIds(await store.getByCorrelation(otherParent.correlationId))).toStrictEqual([otherParent.messageId, first.messageId]);
      expect(messageIds(await store.getCausalChain(parent.messageId))).toStrictEqual([parent.messageId]);
      expect(messageIds(await store.getCausalChain(otherParent.messageId))).toStrictEqual([otherParent.messageId, first.messageId]);
      expect(await store.getByTimeRange(START + 10, START + 10)).toStrictEqual([]);
      expect(messageIds(await store.getByTimeRange(START + 20, START + 20))).toStrictEqual([first.messageId]);
    });

    it('rejects an invalid trace', async () => {
      const store = new InMemoryTraceStore();

      await expect(store.store({ ...traceRecord(), timestamp: Number.NaN })).rejects.toThrow(/trace\.timestamp/);
      await expect(store.store({ ...traceRecord(), messageId: 'x' as MessageId })).rejects.toThrow(InvalidIdError);
      await expect(store.store(undefined as never)).rejects.toThrow(TypeError);
      expect(store.stats().traces).toBe(0);
    });
  });

  describe('getByCorrelation', () => {
    it('returns exactly the workflow in time order', async () => {
      const store = new InMemoryTraceStore();
      const root = traceRecord({ timestamp: START });
      const late = childRecord(root, { timestamp: START + 50 });
      const early = childRecord(root, { timestamp: START + 5 });
      const other = traceRecord({ timestamp: START + 1 });
      await storeAll(store, [root, other, late, early, childRecord(other)]);

      const workflow = await store.getByCorrelation(root.correlationId);

      expect(messageIds(workflow)).toStrictEqual([root.messageId, early.messageId, late.messageId]);
    });

    it('breaks time ties by message id', async () => {
      const store = new InMemoryTraceStore();
      const root = traceRecord();
      const children = [childRecord(root), childRecord(root), childRecord(root)];
      await storeAll(store, [root, ...children.slice().reverse()]);

      const workflow = await store.getByCorrelation(root.correlationId);

      expect(messageIds(workflow)).toStrictEqual([root, ...children].map((trace) => trace.messageId).sort());
    });

    it('returns an empty array for an unknown workflow', async () => {
      const store = new InMemoryTraceStore();
      await store.store(traceRecord());

      expect(await store.getByCorrelation(nextMessageId() as string as CorrelationId)).toStrictEqual([]);
    });
  });

  describe('getCausalChain', () => {
    // root ─┬─ a ─┬─ b1 ── c
    //       │     └─ b2
    //       └─ x
    function branchingWorkflow() {
      const root = traceRecord({ timestamp: START });
      const a = childRecord(root, { timestamp: START + 10 });
      const x = childRecord(root, { timestamp: START + 11 });
      const b2 = childRecord(a, { timestamp: START + 20 });
      const b1 = childRecord(a, { timestamp: START + 21 });
      const c = childRecord(b1, { timestamp: START + 15 });
      return { root, a, x, b1, b2, c };
    }

    it('returns ancestors and descendants from a middle node', async () => {
      const store = new InMemoryTraceStore();
      const { root, a, x, b1, b2, c } = branchingWorkflow();
      await storeAll(store, [c, b1, x, root, b2, a]);

      const chain = await store.getCausalChain(a.messageId);

      expect(messageIds(chain)).toStrictEqual([root, a, b2, b1, c].map((trace) => trace.messageId));
    });

    it('returns every ancestor of a leaf', async () => {
      const store = new InMemoryTraceStore();
      const { root, a, x, b1, b2, c } = branchingWorkflow();
      await storeAll(store, [root, a, x, b1, b2, c]);

      expect(messageIds(await store.getCausalChain(c.messageId))).toStrictEqual([root, a, b1, c].map((trace) => trace.messageId));
    });

    it('orders descendants by depth first', async () => {
      const store = new InMemoryTraceStore();
      const { root, a, x, b1, b2, c } = branchingWorkflow();
      await storeAll(store, [root, a, x, b1, b2, c]);

      // c is earlier than b1 and b2 but one level deeper, so it comes after both.
      expect(messageIds(await store.getCausalChain(root.messageId))).toStrictEqual([root, a, x, b2, b1, c].map((trace) => trace.messageId));
    });

    it('stops at a cause that is not stored', async () => {
      const store = new InMemoryTraceStore();
      const { root, a, b1 } = branchingWorkflow();
      await storeAll(store, [a, b1]);

      expect(messageIds(await store.getCausalChain(b1.messageId))).toStrictEqual([a.messageId, b1.messageId]);
      expect(messageIds(await store.getCausalChain(a.messageId))).toStrictEqual([a.messageId, b1.messageId]);
      expect(await store.getCausalChain(root.messageId)).toStrictEqual([]);
    });

    it('terminates on a causation cycle', async () => {
      const store = new InMemoryTraceStore();
      const firstId = nextMessageId();
      const secondId = nextMessageId();
      const first = traceRecord({ messageId: firstId, causationId: secondId as string as CausationId });
      const second = traceRecord({ messageId: secondId, causationId: firstId as string as CausationId, correlationId: first.correlationId });
      const self = traceRecord();
      await storeAll(store, [first, second, { ...self, causationId: self.messageId as string as CausationId }]);

      expect(messageIds(await store.getCausalChain(firstId))).toStrictEqual([secondId, firstId]);
      expect(messageIds(await store.getCausalChain(self.messageId))).toStrictEqual([self.messageId]);
    });

    it('puts every parent before its children', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
          fc.array(fc.nat(), { minLength: 41, maxLength: 41 }),
          fc.nat(),
          async (parentPicks, insertionKeys, pick) => {
          const store = new InMemoryTraceStore();
          const traces: MessageTrace[] = [traceRecord({ timestamp: START + 100 })];
          for (const [index, parentPick] of parentPicks.entries()) {
            const parent = traces[parentPick % traces.length]!;
            traces.push(childRecord(parent, { timestamp: START + ((index * 37) % 50) }));
          }
          // Store in a generated order, so children often arrive before their parents.
          const insertionOrder = traces.map((trace, index) => ({ trace, key: insertionKeys[index]! }));
          insertionOrder.sort((a, b) => a.key - b.key);
          await storeAll(store, insertionOrder.map((entry) => entry.trace));
          const start = traces[pick % traces.length]!;

          const chain = await store.getCausalChain(start.messageId);

          const position = new Map(chain.map((trace, index) => [trace.messageId as string, index]));
          for (const trace of chain) {
            if (trace.messageId === chain[0]!.messageId) continue;
            expect(position.get(trace.causationId!)).toBeLessThan(position.get(trace.messageId)!);
          }
          expect(position.has(start.messageId)).toBe(true);
          expect(new Set(position.keys()).size).toBe(chain.length);
          },
        ),
        { numRuns: 50 },
      );
    });
  });

  describe('getByTimeRange', () => {
    it('includes both bounds', async () => {
      const store = new InMemoryTraceStore();
      const traces = [0, 1, 2, 3, 4].map((offset) => traceRecord({ timestamp: START + offset }));
      await storeAll(store, traces);

      expect(messageIds(await store.getByTimeRange(START + 1, START + 3))).toStrictEqual(messageIds(traces.slice(1, 4)));
      expect(messageIds(await store.getByTimeRange(new Date(START + 4), new Date(START + 4)))).toStrictEqual([traces[4]!.messageId]);
    });

    it('sorts traces from a clock stepped back', async () => {
      const store = new InMemoryTraceStore();
      const before = traceRecord({ timestamp: START });
      const stepped = traceRecord({ timestamp: START - 2000 });
      const after = traceRecord({ timestamp: START + 1 });
      await storeAll(store, [before, stepped, after]);

      expect(messageIds(await store.getByTimeRange(START - 5000, START + 5000))).toStrictEqual([stepped, before, after].map((trace) => trace.messageId));
      expect(messageIds(await store.getByTimeRange(START - 2000, START - 2000))).toStrictEqual([stepped.messageId]);
    });

    it('indexes a trace by its envelope time', async () => {
      const store = new InMemoryTraceStore();
      const trace = traceRecord({ timestamp: START, hops: [hopRecord(0, START), hopRecord(1, START - 2000), hopRecord(2, START - 1999)] });
      await store.store(trace);

      expect(messageIds(await store.getByTimeRange(START, START))).toStrictEqual([trace.messageId]);
      expect(await store.getByTimeRange(START - 2000, START - 1)).toStrictEqual([]);
      expect((await store.getByMessageId(trace.messageId))?.hops.map((hop) => hop.timestamp)).toStrictEqual([START, START - 2000, START - 1999]);
    });

    it('rejects invalid bounds', async () => {
      const store = new InMemoryTraceStore();

      await expect(store.getByTimeRange(START + 1, START)).rejects.toThrow(RangeError);
      await expect(store.getByTimeRange(Number.NaN, START)).rejects.toThrow(/Invalid from/);
      await expect(store.getByTimeRange(START, Infinity)).rejects.toThrow(/Invalid to/);
      await expect(store.getByTimeRange(new Date('nope'), START)).rejects.toThrow(RangeError);
      await expect(store.getByTimeRange('today' as never, START)).rejects.toThrow(TypeError);
    });
  });

  describe('getPolicyTrail', () => {
    it('returns decisions in recorded order', async () => {
      const store = new InMemoryTraceStore();
      const base = traceRecord();
      const trace = {
        ...base,
        decisions: [
          { ...base.decisions[0]!, policyName: 'first', matched: false },
          { ...base.decisions[0]!, policyName: 'second', configuration: { streamKey: '[Function byOrder]' } },
        ],
      };
      await store.store(trace);

      expect(await store.getPolicyTrail(trace.messageId)).toStrictEqual(trace.decisions);
    });

    it('returns an empty trail for an unknown id', async () => {
      const store = new InMemoryTraceStore();

      expect(await store.getPolicyTrail(nextMessageId())).toStrictEqual([]);
    });
  });

  describe('argument checks', () => {
    it('rejects invalid ids', async () => {
      const store = new InMemoryTraceStore();

      await expect(store.getByMessageId('nope' as MessageId)).rejects.toThrow(/Invalid messageId: "nope"/);
      await expect(store.getByCorrelation(42 as never)).rejects.toThrow(/Invalid correlationId: number 42/);
      await expect(store.getCausalChain('' as MessageId)).rejects.toThrow(InvalidIdError);
      await expect(store.getPolicyTrail(null as never)).rejects.toThrow(InvalidIdError);
    });

    it('rejects when the signal is aborted', async () => {
      const store = new InMemoryTraceStore();
      const reason = new Error('request cancelled');
      const signal = AbortSignal.abort(reason);
      const trace = traceRecord();

      await expect(store.store(trace, signal)).rejects.toBe(reason);
      await expect(store.getByMessageId(trace.messageId, signal)).rejects.toBe(reason);
      await expect(store.getByCorrelation(trace.correlationId, signal)).rejects.toBe(reason);
      await expect(store.getCausalChain(trace.messageId, signal)).rejects.toBe(reason);
      await expect(store.getByTimeRange(START, START, signal)).rejects.toBe(reason);
      await expect(store.getPolicyTrail(trace.messageId, signal)).rejects.toBe(reason);
      expect(store.stats().traces).toBe(0);
    });

    it('rejects an invalid maxTraces', () => {
      expect(() => new InMemoryTraceStore({ maxTraces: 0 })).toThrow(RangeError);
      expect(() => new InMemoryTraceStore({ maxTraces: 1.5 })).toThrow(/maxTraces/);
      expect(() => new InMemoryTraceStore({ maxTraces: Number.NaN })).toThrow(RangeError);
      expect(() => new InMemoryTraceStore({ maxTraces: '10' as never })).toThrow(TypeError);
    });
  });

  describe('eviction', () => {
    it('defaults to 100,000 traces', () => {
      expect(new InMemoryTraceStore().maxTraces).toBe(100_000);
    });

    it('evicts the trace stored first', async () => {
      const store = new InMemoryTraceStore({ maxTraces: 2 });
      const root = traceRecord({ timestamp: START + 100 });
      const child = childRecord(root, { timestamp: START });
      const other = traceRecord({ timestamp: START + 50 });

      await storeAll(store, [root, child, other]);

      expect(await store.getByMessageId(root.messageId)).toBeUndefined();
      expect(messageIds(await store.getByCorrelation(root.correlationId))).toStrictEqual([child.messageId]);
      expect(messageIds(await store.getCausalChain(child.messageId))).toStrictEqual([child.messageId]);
      expect(messageIds(await store.getByTimeRange(START, START + 100))).toStrictEqual([child.messageId, other.messageId]);
      expect(store.stats().evictions).toBe(1);
    });

    it('counts a replaced trace as newest', async () => {
      const store = new InMemoryTraceStore({ maxTraces: 2 });
      const first = traceRecord();
      const second = traceRecord();

      await storeAll(store, [first, second, first, traceRecord()]);

      expect(await store.getByMessageId(first.messageId)).toBeDefined();
      expect(await store.getByMessageId(second.messageId)).toBeUndefined();
    });

    it('bounds the eviction queue under replacements', async () => {
      const store = new InMemoryTraceStore({ maxTraces: 100 });
      const traces = Array.from({ length: 10 }, () => traceRecord());

      for (let round = 0; round < 500; round++) await storeAll(store, traces);

      const stats = store.stats();
      expect(stats.traces).toBe(10);
      expect(stats.evictions).toBe(0);
      expect(stats.evictionQueueSlots).toBeLessThanOrEqual(2 * 10 + 1024);
    });

    it('evicts in store order after many evictions', async () => {
      const maxTraces = 20;
      const store = new InMemoryTraceStore({ maxTraces });
      const traces = Array.from({ length: 3_000 }, (_, index) => traceRecord({ timestamp: START + index }));

      await storeAll(store, traces);

      const kept = messageIds(await store.getByTimeRange(0, Number.MAX_SAFE_INTEGER));
      expect(kept).toStrictEqual(messageIds(traces.slice(-maxTraces)));
      expect(store.stats().evictions).toBe(traces.length - maxTraces);
      expect(store.stats().evictionQueueSlots).toBeLessThanOrEqual(2 * maxTraces + 1024);
    });

    it('keeps every index bounded', async () => {
      const maxTraces = 50;
      const store = new InMemoryTraceStore({ maxTraces });
      const stored: MessageTrace[] = [];
      let clock = START;

      for (let index = 0; index < 5_000; index++) {
        // A mix of new workflows, children of recent traces, replacements and clock steps back.
        const parent = stored[stored.length - 1 - (index % 7)];
        clock += index % 13 === 0 ? -2000 : 1;
        let trace: MessageTrace;
        if (index % 11 === 0 && parent !== undefined) trace = { ...parent, timestamp: clock };
        else if (index % 3 === 0 || parent === undefined) trace = traceRecord({ timestamp: clock });
        else trace = childRecord(parent, { timestamp: clock });
        stored.push(trace);
        await store.store(trace);

        const stats = store.stats();
        expect(stats.traces).toBeLessThanOrEqual(maxTraces);
        expect(stats.correlationEntries).toBe(stats.traces);
        expect(stats.correlationKeys).toBeLessThanOrEqual(stats.traces);
        expect(stats.causationEntries).toBeLessThanOrEqual(stats.traces);
        expect(stats.causationKeys).toBeLessThanOrEqual(stats.causationEntries);
        expect(stats.timeIndexSlots).toBeLessThanOrEqual(stats.traces + Math.max(1024, stats.traces));
        expect(stats.evictionQueueSlots).toBeLessThanOrEqual(2 * stats.traces + 1024);
      }

      expect((await store.getByTimeRange(0, Number.MAX_SAFE_INTEGER)).length).toBe(maxTraces);
    });
  });

  describe('close', () => {
    it('rejects later calls', async () => {
      const store = new InMemoryTraceStore();
      const trace = traceRecord();
      await store.store(trace);

      await store.close();
      await store.close();

      await expect(store.getByMessageId(trace.messageId)).rejects.toThrow(TraceStoreClosedError);
      await expect(store.store(trace)).rejects.toThrow(/closed/);
      await expect(store.getByTimeRange(START, START)).rejects.toThrow(TraceStoreClosedError);
      expect(store.stats().traces).toBe(0);
      expect(store.stats().timeIndexSlots).toBe(0);
    });
  });
});
