import { beforeAll, describe, expect, it } from 'vitest';

import { InMemoryTraceStore } from '../../src/trace/in-memory-trace-store.js';
import type { MessageTrace } from '../../src/trace/message-trace.js';
import { childRecord, START, traceRecord } from './trace-fixtures.js';

// Proves that correlation and causal-chain queries do work in proportion to their result size by
// counting the records each query reads, never by measuring time.
describe('InMemoryTraceStore at 100,000 traces', () => {
  const UNRELATED = 100_000;

  async function filledStore() {
    const store = new InMemoryTraceStore({ maxTraces: UNRELATED + 100 });
    const template = traceRecord();
    for (let index = 0; index < UNRELATED; index++) {
      // Spread a template so that 100,000 traces build quickly; each gets its own ids and time.
      const unrelated = traceRecord({ timestamp: START + index, hops: template.hops, decisions: template.decisions });
      await store.store(unrelated);
    }

    // root ─┬─ a ── c
    //       └─ b
    const root = traceRecord({ timestamp: START + 10 });
    const a = childRecord(root);
    const b = childRecord(root);
    const c = childRecord(a);
    const workflow: MessageTrace[] = [root, a, b, c];
    for (const trace of workflow) await store.store(trace);

    return { store, workflow, root, a };
  }

  // Queries do not change the store, so the tests share one filled store and compare counter deltas.
  let filled: Awaited<ReturnType<typeof filledStore>>;
  beforeAll(async () => {
    filled = await filledStore();
  });

  it('answers correlation queries with answer-sized work', async () => {
    const { store, workflow, root } = filled;
    const before = store.stats().recordsExamined;

    const traces = await store.getByCorrelation(root.correlationId);

    expect(traces).toHaveLength(workflow.length);
    expect(store.stats().recordsExamined - before).toBeLessThanOrEqual(workflow.length);
  });

  it('answers causal chains with answer-sized work', async () => {
    const { store, a } = filled;
    const before = store.stats().recordsExamined;

    const chain = await store.getCausalChain(a.messageId);

    // root, a, c: one lookup of a, one of root, and one child set of one entry.
    expect(chain).toHaveLength(3);
    expect(store.stats().recordsExamined - before).toBeLessThanOrEqual(2 * chain.length);
  });

  it('answers a narrow time range with answer-sized work', async () => {
    const { store } = filled;
    const before = store.stats().recordsExamined;

    const traces = await store.getByTimeRange(START + 50_000, START + 50_009);

    expect(traces).toHaveLength(10);
    expect(store.stats().recordsExamined - before).toBeLessThanOrEqual(traces.length + 1);
  });

  it('counts a full scan in proportion to the store', async () => {
    // Shows that the counter grows with the work done, so the bounds above can fail.
    const { store } = filled;
    const before = store.stats().recordsExamined;

    const traces = await store.getByTimeRange(START, START + UNRELATED);

    expect(traces.length).toBeGreaterThanOrEqual(UNRELATED);
    expect(store.stats().recordsExamined - before).toBeGreaterThanOrEqual(UNRELATED);
  });
});
