import { ParallelExecutor, SerialExecutor } from '@whizbang/execution';
import { InMemoryTraceStore, type MessageId } from '@whizbang/observability';
import { HashPartitionRouter, RoundRobinPartitionRouter } from '@whizbang/partitioning';
import { createPolicies, serviceKey } from '@whizbang/policies';
import { InMemorySequenceProvider } from '@whizbang/sequencing';
import { describe, expect, it } from 'vitest';

import { createDispatcher } from '../src/index.js';
import type { AppMessage, OrderPlaced } from './helpers.js';

const STREAMS = 1_000;
const MESSAGES_PER_STREAM = 50;
const ORDER_MESSAGES = STREAMS * MESSAGES_PER_STREAM;
const TOTAL_MESSAGES = 2 * ORDER_MESSAGES;

/** At most this many dispatches wait at once: below the orders bulkhead's 10 slots + 50 queue places. */
const WINDOW = 50;

interface Audit {
  readonly labelOf: (id: string) => string;
}

const AuditService = serviceKey<Audit>('audit');

describe('end to end', () => {
  it('runs the example policies over 100,000 messages', { timeout: 120_000 }, async () => {
    const policies = createPolicies<AppMessage>()
      .when('orders', (ctx) => ctx.matchesAggregate('Order'))
      .then((cfg) =>
        cfg
          .useTopic('orders')
          .useStream((ctx) => `order-${ctx.getAggregateId()}`)
          .useStrategy(SerialExecutor)
          .withConcurrency(1)
          .withPartitions(4)
          .usePartitionRouter(new HashPartitionRouter())
          .useSequenceProvider(new InMemorySequenceProvider())
          .useBulkhead('order-processing', { maxConcurrency: 10, maxQueue: 50 })
          .useTimeout(30_000),
      )
      .when('projections', (ctx) => ctx.message.type === 'ViewRefreshed')
      .then((cfg) =>
        cfg
          .useTopic('projections')
          .useStream('projections-shared')
          .useStrategy(ParallelExecutor)
          .withConcurrency(20)
          .withPartitions(8)
          .usePartitionRouter(new RoundRobinPartitionRouter()),
      );

    const store = new InMemoryTraceStore({ maxTraces: TOTAL_MESSAGES });
    const orderLog = new Map<string, { sequenceNumber: number; index: number; partition: number }[]>();
    const projectionLog = new Map<number, number[]>();
    const projectionOf = new Map<string, string>();
    let contextChecks = 0;

    const dispatcher = createDispatcher<AppMessage>({
      policies,
      environment: 'e2e',
      services: new Map([[AuditService, { labelOf: (id: string) => `audit:${id}` }]]),
      traceStore: store,
      captureCallers: false,
      handlers: {
        OrderPlaced: async (order, ctx) => {
          const { streamKey, sequenceNumber, partitionIndex } = ctx.envelope;
          const entries = orderLog.get(streamKey as string) ?? [];
          entries.push({ sequenceNumber: sequenceNumber as number, index: order.index as number, partition: partitionIndex as number });
          orderLog.set(streamKey as string, entries);

          if (
            ctx.environment === 'e2e' &&
            ctx.getService(AuditService).labelOf(order.aggregateId) === `audit:${order.aggregateId}` &&
            ctx.getMetadata('round') === order.index &&
            ctx.hasTag('e2e') &&
            ctx.trail.decisions.at(-1)?.policyName === 'orders'
          ) {
            contextChecks += 1;
          }

          await ctx.send({ type: 'ViewRefreshed', view: `order-${order.aggregateId}`, index: order.index as number });
          return ctx.envelope.messageId;
        },
        ViewRefreshed: (view, ctx) => {
          const partition = ctx.envelope.partitionIndex as number;
          const numbers = projectionLog.get(partition) ?? [];
          numbers.push(ctx.envelope.sequenceNumber as number);
          projectionLog.set(partition, numbers);
          projectionOf.set(ctx.envelope.causationId as string, ctx.envelope.messageId);
          if (ctx.environment === 'e2e' && view.view.startsWith('order-')) contextChecks += 1;
        },
      },
    });

    // Dispatch round by round, so every stream gets its messages in index order, with at most
    // WINDOW dispatches waiting at once.
    const orderIds: MessageId[] = [];
    let waiting = 0;
    let freed: (() => void) | undefined;
    for (let round = 0; round < MESSAGES_PER_STREAM; round++) {
      for (let stream = 0; stream < STREAMS; stream++) {
        while (waiting >= WINDOW) await new Promise<void>((resolve) => (freed = resolve));
        const message: OrderPlaced = { type: 'OrderPlaced', aggregateType: 'Order', aggregateId: String(stream), index: round };

        waiting += 1;
        void dispatcher.dispatch<MessageId>(message, { metadata: { round, tags: ['e2e'] } }).then((id) => {
          orderIds.push(id);
          waiting -= 1;
          freed?.();
        });
      }
    }
    await dispatcher.drain();

    // Every order stream ran in sequence order, in dispatch order, on one partition.
    expect(orderLog.size).toBe(STREAMS);
    let orderChecks = 0;
    for (const [streamKey, entries] of orderLog) {
      expect(entries.length, streamKey).toBe(MESSAGES_PER_STREAM);
      const partition = new HashPartitionRouter().selectPartition(streamKey, 4);
      entries.forEach((entry, position) => {
        if (entry.sequenceNumber !== position + 1 || entry.index !== position || entry.partition !== partition) {
          expect.fail(`${streamKey} message ${position}: ${JSON.stringify(entry)}`);
        }
        orderChecks += 1;
      });
    }
    expect(orderChecks).toBe(ORDER_MESSAGES);

    // The shared projection stream is spread round-robin, so its order holds within each partition.
    expect([...projectionLog.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    let projectionChecks = 0;
    for (const [partition, numbers] of projectionLog) {
      expect(numbers.length).toBe(ORDER_MESSAGES / 8);
      numbers.forEach((number, position) => {
        if (position > 0 && number <= (numbers[position - 1] as number)) expect.fail(`projections#${partition} ran ${number} after ${numbers[position - 1]}`);
        projectionChecks += 1;
      });
    }
    expect(projectionChecks).toBe(ORDER_MESSAGES);
    expect(contextChecks).toBe(TOTAL_MESSAGES);

    // Every message's trace is stored with its trail and hop, and is found by id, correlation
    // and causal chain.
    expect(orderIds).toHaveLength(ORDER_MESSAGES);
    let traceChecks = 0;
    for (const orderId of orderIds) {
      const projectionId = projectionOf.get(orderId) as MessageId;
      const order = await store.getByMessageId(orderId);
      const projection = await store.getByMessageId(projectionId);
      if (
        order?.outcome.status !== 'succeeded' ||
        projection?.outcome.status !== 'succeeded' ||
        order.decisions.length !== 1 ||
        projection.decisions.length !== 2 ||
        order.hops.length !== 1 ||
        projection.hops.length !== 1 ||
        order.hops[0]?.executionStrategy !== 'serial' ||
        projection.hops[0]?.executionStrategy !== 'parallel'
      ) {
        expect.fail(`traces of ${orderId}: ${JSON.stringify({ order, projection })}`);
      }

      const workflow = await store.getByCorrelation(order.correlationId);
      const chain = await store.getCausalChain(projectionId);
      const trail = await store.getPolicyTrail(projectionId);
      if (
        workflow.length !== 2 ||
        chain.map((trace) => trace.messageId).join() !== `${orderId},${projectionId}` ||
        trail.map((decision) => `${decision.policyName}:${decision.matched}`).join() !== 'orders:false,projections:true'
      ) {
        expect.fail(`queries of ${orderId}: ${JSON.stringify({ workflow, chain, trail })}`);
      }
      traceChecks += 2;
    }
    expect(traceChecks).toBe(TOTAL_MESSAGES);
    expect(store.stats().traces).toBe(TOTAL_MESSAGES);

    await dispatcher.shutdown();
  });
});

