import { TraceStoreClosedError, type MessageTrace } from '@whizbang/observability';
import { createTraceFixtures } from '@whizbang/testkit';
import { afterEach, describe, expect, it } from 'vitest';

import { PostgresTraceStore } from '../src/index.js';
import { query, testDatabaseUrl, uniqueSchema } from './support/postgres.js';

const stores: PostgresTraceStore[] = [];

function createStore(schema = uniqueSchema('traces')): PostgresTraceStore {
  const store = new PostgresTraceStore({ connectionString: testDatabaseUrl(), schema });
  stores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describe('PostgresTraceStore', () => {
  it('keeps traces after the store is closed', async () => {
    const schema = uniqueSchema('traces');
    const fixtures = createTraceFixtures();
    const trace = fixtures.root();
    const writer = createStore(schema);
    await writer.store(trace);
    await writer.close();

    const reader = createStore(schema);

    expect(await reader.getByMessageId(trace.messageId)).toEqual(JSON.parse(JSON.stringify(trace)));
  });

  it('keeps odd payload text exactly', async () => {
    const fixtures = createTraceFixtures();
    const payload = { text: 'nul \u0000 quote \' " semicolon ; newline \n emoji 🚀 ключ', big: 2 ** 53 - 1, small: 1e-300, negative: -0.5 };
    const trace: MessageTrace = { ...fixtures.root(), payload };
    const store = createStore();

    await store.store(trace);

    expect((await store.getByMessageId(trace.messageId))?.payload).toEqual(payload);
  });

  it('stops a causal chain at a cycle', async () => {
    const fixtures = createTraceFixtures();
    const first = fixtures.root({ at: 0 });
    const second = fixtures.child(first, { at: 1 });
    const sibling = fixtures.child(first, { at: 2 });
    // Corrupt data: the root names its own child as its cause.
    const cyclicFirst: MessageTrace = { ...first, causationId: second.messageId as unknown as MessageTrace['causationId'] };
    const store = createStore();
    for (const trace of [cyclicFirst, second, sibling]) await store.store(trace);

    const chain = await store.getCausalChain(second.messageId);

    expect(chain.map((trace) => trace.messageId)).toEqual([first.messageId, second.messageId]);
  });

  it('records its schema version and indexes', async () => {
    const schema = uniqueSchema('traces');
    await createStore(schema).ensureSchema();

    const versions = await query<{ component: string; version: number }>(`SELECT component, version FROM ${schema}.whizbang_schema_version`);
    expect(versions).toEqual([{ component: 'traces', version: 1 }]);
    const indexes = await query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'whizbang_traces' ORDER BY indexname`, [schema]);
    expect(indexes.map((row) => row.indexname)).toEqual([
      'whizbang_traces_causation_idx',
      'whizbang_traces_correlation_idx',
      'whizbang_traces_pkey',
      'whizbang_traces_time_idx',
    ]);
  });

  it('rejects calls after close', async () => {
    const store = createStore();
    await store.close();

    await expect(store.getByMessageId(createTraceFixtures().root().messageId)).rejects.toThrow(TraceStoreClosedError);
    await expect(store.close()).resolves.toBeUndefined();
  });
});
