import { BulkheadRejectedError, ExecutionTimeoutError } from '@whizbang/execution';
import { InMemoryTraceStore, type MessageTrace, type TraceStore } from '@whizbang/observability';
import { HashPartitionRouter } from '@whizbang/partitioning';
import { createPolicies, NoMatchingPolicyError, type PolicySet } from '@whizbang/policies';
import { InMemorySequenceProvider } from '@whizbang/sequencing';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createDispatcher, DispatcherClosedError, NoHandlerError, type HandlerContext } from '../src/index.js';
import { deferred, flush, ManualSequenceProvider, orderPlaced, type AppMessage, type InvoiceRequested, type OrderPlaced } from './helpers.js';

function appPolicies(configure?: (policies: PolicySet<AppMessage>) => void): PolicySet<AppMessage> {
  const policies = createPolicies<AppMessage>();
  configure?.(policies);
  return policies
    .when('orders', (ctx) => ctx.matchesAggregate('Order'))
    .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).withPartitions(4).usePartitionRouter(new HashPartitionRouter()))
    .when('invoices', (ctx) => ctx.message.type === 'InvoiceRequested')
    .then((cfg) => cfg.useTopic('invoices').useStream((ctx) => `invoice-${(ctx.message as InvoiceRequested).orderId}`))
    .when('views', (ctx) => ctx.message.type === 'ViewRefreshed')
    .then((cfg) => cfg.useTopic('views').useStream('views-shared').useStrategy('parallel').withConcurrency(4));
}

async function allTraces(store: InMemoryTraceStore): Promise<MessageTrace[]> {
  return store.getByTimeRange(0, Number.MAX_SAFE_INTEGER);
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('dispatch', () => {
  it('routes and hands the context to the handler', async () => {
    const seen: unknown[] = [];
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      environment: 'staging',
      services: { greeting: 'hello' },
      handlers: {
        OrderPlaced: (order, ctx) => {
          seen.push({
            aggregateId: order.aggregateId,
            topic: ctx.envelope.topic,
            streamKey: ctx.envelope.streamKey,
            partitionIndex: ctx.envelope.partitionIndex,
            sequenceNumber: ctx.envelope.sequenceNumber,
            environment: ctx.environment,
            service: ctx.getService<string>('greeting'),
            tenant: ctx.getMetadata('tenant'),
            userId: ctx.envelope.userId,
            aborted: ctx.signal.aborted,
            matched: ctx.trail.decisions.at(-1)?.policyName,
          });
          return `placed ${order.aggregateId}`;
        },
      },
    });

    await expect(dispatcher.dispatch(orderPlaced('42'), { metadata: { tenant: 'acme' }, userId: 'u-1' })).resolves.toBe('placed 42');
    expect(seen).toEqual([
      {
        aggregateId: '42',
        topic: 'orders',
        streamKey: 'order-42',
        partitionIndex: new HashPartitionRouter().selectPartition('order-42', 4),
        sequenceNumber: 1,
        environment: 'staging',
        service: 'hello',
        tenant: 'acme',
        userId: 'u-1',
        aborted: false,
        matched: 'orders',
      },
    ]);
    await dispatcher.shutdown();
  });

  it('numbers each stream in dispatch order', async () => {
    const numbers: string[] = [];
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      handlers: { OrderPlaced: (order, ctx) => numbers.push(`${order.aggregateId}:${ctx.envelope.sequenceNumber}`) },
    });

    await Promise.all(['a', 'b', 'a', 'a', 'b'].map((id) => dispatcher.dispatch(orderPlaced(id))));
    expect(numbers.filter((entry) => entry.startsWith('a'))).toEqual(['a:1', 'a:2', 'a:3']);
    expect(numbers.filter((entry) => entry.startsWith('b'))).toEqual(['b:1', 'b:2']);
    await dispatcher.shutdown();
  });

  it('prefers the type handler over the topic handler', async () => {
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      handlers: { OrderPlaced: () => 'by type' },
      topicHandlers: { orders: () => 'by topic' },
    });

    await expect(dispatcher.dispatch(orderPlaced('1'))).resolves.toBe('by type');
    await expect(dispatcher.dispatch({ type: 'OrderShipped', aggregateType: 'Order', aggregateId: '1' })).resolves.toBe('by topic');
    await dispatcher.shutdown();
  });

  it('rejects a message without handler', async () => {
    const store = new InMemoryTraceStore();
    const sequences = new InMemorySequenceProvider();
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).useSequenceProvider(sequences));
    const dispatcher = createDispatcher<AppMessage>({ policies, handlers: { OrderPlaced: () => 'ok' }, traceStore: store });

    const shipped = dispatcher.dispatch({ type: 'OrderShipped', aggregateType: 'Order', aggregateId: '9' });
    await expect(shipped).rejects.toBeInstanceOf(NoHandlerError);
    await expect(shipped).rejects.toThrow(
      'No handler for message type "OrderShipped" on topic "orders". Register one under handlers["OrderShipped"] or topicHandlers["orders"] in createDispatcher().',
    );
    expect(sequences.getCurrentSync('order-9')).toBe(0);

    const [trace] = await allTraces(store);
    expect(trace?.outcome).toEqual({ status: 'rejected', errorName: 'NoHandlerError', errorMessage: expect.stringContaining('No handler') });
    expect(trace?.topic).toBe('orders');
    expect(trace?.streamKey).toBe('order-9');
    expect(trace?.sequenceNumber).toBeNull();
    await dispatcher.shutdown();
  });

  it('rejects an unmatched message and stores its trail', async () => {
    const store = new InMemoryTraceStore();
    const policies = createPolicies<AppMessage>()
      .when('orders', (ctx) => ctx.matchesAggregate('Order'))
      .then((cfg) => cfg.useTopic('orders'));
    const dispatcher = createDispatcher<AppMessage>({ policies, handlers: { OrderPlaced: () => 'ok' }, traceStore: store });

    await expect(dispatcher.dispatch({ type: 'ViewRefreshed', view: 'v' })).rejects.toBeInstanceOf(NoMatchingPolicyError);
    const [trace] = await allTraces(store);
    expect(trace?.outcome.status).toBe('rejected');
    expect(trace?.topic).toBeNull();
    expect(trace?.decisions).toEqual([expect.objectContaining({ policyName: 'orders', matched: false, reason: 'predicate returned false' })]);
    await dispatcher.shutdown();
  });

  it('rejects invalid dispatch options', async () => {
    const dispatcher = createDispatcher<AppMessage>({ policies: appPolicies(), handlers: { OrderPlaced: () => 'ok' } });
    await expect(dispatcher.dispatch(orderPlaced('1'), 5 as never)).rejects.toThrow('Invalid dispatch options: 5. Pass an object or nothing.');
    await expect(dispatcher.dispatch(orderPlaced('1'), { signal: {} as never })).rejects.toThrow('Invalid options.signal: pass an AbortSignal.');
    await expect(dispatcher.dispatch(orderPlaced('1'), { messageId: 'nope' as never })).rejects.toThrow(/Invalid messageId/);
    await dispatcher.shutdown();
  });

  it('keeps the envelope options it is given', async () => {
    const store = new InMemoryTraceStore();
    const dispatcher = createDispatcher<AppMessage>({ policies: appPolicies(), handlers: { OrderPlaced: (_order, ctx) => ctx.envelope }, traceStore: store });
    const first = await dispatcher.dispatch<HandlerContext['envelope']>(orderPlaced('1'));
    const second = await dispatcher.dispatch<HandlerContext['envelope']>(orderPlaced('1'), { correlationId: first.correlationId, tenantId: 't-1' });

    expect(second.correlationId).toBe(first.correlationId);
    expect(second.tenantId).toBe('t-1');
    await dispatcher.shutdown();
  });

  it('explains without dispatching', async () => {
    const handler = vi.fn();
    const dispatcher = createDispatcher<AppMessage>({ policies: appPolicies(), handlers: { OrderPlaced: handler } });

    const explanation = await dispatcher.explain(orderPlaced('7'));
    expect(explanation.routing?.topic).toBe('orders');
    expect(explanation.routing?.sequenceNumber).toBe(1);
    expect(handler).not.toHaveBeenCalled();
    await dispatcher.shutdown();
  });
});

describe('follow-up messages', () => {
  it('carry correlation and causation ids', async () => {
    const store = new InMemoryTraceStore();
    const done = deferred();
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      traceStore: store,
      handlers: {
        OrderPlaced: async (order, ctx) => {
          await ctx.send({ type: 'InvoiceRequested', orderId: order.aggregateId });
          return ctx.envelope;
        },
        InvoiceRequested: (_invoice, ctx) => {
          done.resolve();
          return ctx.envelope;
        },
      },
    });

    const parent = await dispatcher.dispatch<HandlerContext['envelope']>(orderPlaced('5'));
    await done.promise;
    await dispatcher.drain();

    const workflow = await store.getByCorrelation(parent.correlationId);
    expect(workflow.map((trace) => trace.messageType)).toEqual(['OrderPlaced', 'InvoiceRequested']);
    const child = workflow[1] as MessageTrace;
    expect(child.correlationId).toBe(parent.correlationId);
    expect(child.causationId).toBe(parent.messageId);
    expect(child.topic).toBe('invoices');

    const chain = await store.getCausalChain(child.messageId);
    expect(chain.map((trace) => trace.messageId)).toEqual([parent.messageId, child.messageId]);
    await dispatcher.shutdown();
  });

  it('resolve once queued, even behind the sender', async () => {
    const order: string[] = [];
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      handlers: {
        OrderPlaced: async (placed, ctx) => {
          // Same stream, same serial lane: waiting for the follow-up's handler would never end.
          await ctx.send({ type: 'OrderShipped', aggregateType: 'Order', aggregateId: placed.aggregateId });
          order.push('placed');
        },
        OrderShipped: () => {
          order.push('shipped');
        },
      },
    });

    await dispatcher.dispatch(orderPlaced('1'));
    await dispatcher.drain();
    expect(order).toEqual(['placed', 'shipped']);
    await dispatcher.shutdown();
  });

  it('reject when the follow-up cannot be routed', async () => {
    const dispatcher = createDispatcher<AppMessage>({
      policies: createPolicies<AppMessage>()
        .when('orders', (ctx) => ctx.matchesAggregate('Order'))
        .then((cfg) => cfg.useTopic('orders')),
      handlers: {
        OrderPlaced: async (_order, ctx) => {
          await expect(ctx.send({ type: 'ViewRefreshed', view: 'x' })).rejects.toBeInstanceOf(NoMatchingPolicyError);
          return 'handled';
        },
      },
    });

    await expect(dispatcher.dispatch(orderPlaced('1'))).resolves.toBe('handled');
    await dispatcher.shutdown();
  });

  it('record their own failures in the trace store', async () => {
    const store = new InMemoryTraceStore();
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      traceStore: store,
      handlers: {
        OrderPlaced: async (order, ctx) => ctx.send({ type: 'InvoiceRequested', orderId: order.aggregateId }),
        InvoiceRequested: () => {
          throw new Error('invoice service down');
        },
      },
    });

    await dispatcher.dispatch(orderPlaced('1'));
    await dispatcher.drain();
    const invoice = (await allTraces(store)).find((trace) => trace.messageType === 'InvoiceRequested');
    expect(invoice?.outcome).toEqual({ status: 'failed', errorName: 'Error', errorMessage: 'invoice service down' });
    await dispatcher.shutdown();
  });
});

describe('failures', () => {
  it('stores a failed handler as failed', async () => {
    const store = new InMemoryTraceStore();
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      traceStore: store,
      handlers: {
        OrderPlaced: () => {
          throw new TypeError('bad order');
        },
      },
    });

    await expect(dispatcher.dispatch(orderPlaced('1'))).rejects.toThrow('bad order');
    const [trace] = await allTraces(store);
    expect(trace?.outcome).toEqual({ status: 'failed', errorName: 'TypeError', errorMessage: 'bad order' });
    expect(trace?.hops).toHaveLength(1);
    await dispatcher.shutdown();
  });

  it('rejects past the bulkhead without a number gap', async () => {
    const store = new InMemoryTraceStore();
    const gate = deferred();
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream('one').useBulkhead('order-processing', { maxConcurrency: 1, maxQueue: 1 }));
    const dispatcher = createDispatcher<AppMessage>({
      policies,
      traceStore: store,
      handlers: {
        OrderPlaced: async (_order, ctx) => {
          await gate.promise;
          return ctx.envelope.sequenceNumber;
        },
      },
    });

    const first = dispatcher.dispatch(orderPlaced('1'));
    const second = dispatcher.dispatch(orderPlaced('2'));
    const third = dispatcher.dispatch(orderPlaced('3'));
    await expect(third).rejects.toBeInstanceOf(BulkheadRejectedError);
    await expect(third).rejects.toThrow(/Bulkhead 'order-processing' is full/);

    gate.resolve();
    await expect(first).resolves.toBe(1);
    await expect(second).resolves.toBe(2);
    await expect(dispatcher.dispatch(orderPlaced('4'))).resolves.toBe(3);

    const rejected = (await allTraces(store)).filter((trace) => trace.outcome.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.sequenceNumber).toBeNull();
    expect(rejected[0]?.outcome.errorName).toBe('BulkheadRejectedError');
    await dispatcher.shutdown();
  });

  it('shares one bulkhead across partitions', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) =>
        cfg
          .useTopic('orders')
          .useStream((ctx) => `order-${ctx.getAggregateId()}`)
          .useStrategy('parallel')
          .withConcurrency(10)
          .withPartitions(4)
          .useBulkhead('orders', { maxConcurrency: 3, maxQueue: 100 }),
      );
    const dispatcher = createDispatcher<AppMessage>({
      policies,
      handlers: {
        OrderPlaced: async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await gate.promise;
          running -= 1;
        },
      },
    });

    const all = Array.from({ length: 40 }, (_, index) => dispatcher.dispatch(orderPlaced(String(index))));
    await flush();
    expect(running).toBe(3);
    gate.resolve();
    await Promise.all(all);
    expect(maxRunning).toBe(3);
    await dispatcher.shutdown();
  });

  it('times out a slow handler', async () => {
    vi.useFakeTimers();
    const store = new InMemoryTraceStore();
    const aborted = deferred<unknown>();
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useTimeout(1_000));
    const dispatcher = createDispatcher<AppMessage>({
      policies,
      traceStore: store,
      handlers: {
        OrderPlaced: (_order, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              aborted.resolve(ctx.signal.reason);
              reject(ctx.signal.reason as Error);
            });
          }),
      },
    });

    const result = dispatcher.dispatch(orderPlaced('1'));
    result.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_001);

    await expect(result).rejects.toBeInstanceOf(ExecutionTimeoutError);
    await expect(aborted.promise).resolves.toBeInstanceOf(ExecutionTimeoutError);
    await vi.advanceTimersByTimeAsync(0);
    const [trace] = await allTraces(store);
    expect(trace?.outcome.status).toBe('timed-out');
    await dispatcher.shutdown();
  });

  it('cancels a message whose signal aborts', async () => {
    const store = new InMemoryTraceStore();
    const gate = deferred();
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      traceStore: store,
      handlers: { OrderPlaced: () => gate.promise },
    });

    const controller = new AbortController();
    const first = dispatcher.dispatch(orderPlaced('1'));
    const second = dispatcher.dispatch(orderPlaced('1'), { signal: controller.signal });
    controller.abort(new Error('client went away'));

    await expect(second).rejects.toThrow('client went away');
    gate.resolve();
    await first;
    await dispatcher.drain();

    const cancelled = (await allTraces(store)).find((trace) => trace.outcome.status === 'cancelled');
    expect(cancelled?.sequenceNumber).toBe(2);
    expect(cancelled?.outcome.errorMessage).toBe('client went away');
    await dispatcher.shutdown();
  });

  it('reports trace store failures', async () => {
    const failingStore: TraceStore = {
      store: () => Promise.reject(new Error('disk full')),
      getByMessageId: () => Promise.resolve(undefined),
      getByCorrelation: () => Promise.resolve([]),
      getCausalChain: () => Promise.resolve([]),
      getByTimeRange: () => Promise.resolve([]),
      getPolicyTrail: () => Promise.resolve([]),
    };
    const onError = vi.fn();
    const dispatcher = createDispatcher<AppMessage>({ policies: appPolicies(), traceStore: failingStore, onError, handlers: { OrderPlaced: () => 'ok' } });

    await expect(dispatcher.dispatch(orderPlaced('1'))).resolves.toBe('ok');
    await dispatcher.drain();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'disk full' }), { operation: 'store-trace', messageId: expect.any(String) });
    await dispatcher.shutdown();
  });

  it('logs store failures with a count by default', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const store = new InMemoryTraceStore();
    vi.spyOn(store, 'store').mockRejectedValue(new Error('offline'));
    const dispatcher = createDispatcher<AppMessage>({ policies: appPolicies(), traceStore: store, handlers: { OrderPlaced: () => 'ok' } });

    for (let index = 0; index < 12; index++) await dispatcher.dispatch(orderPlaced(String(index)));
    await dispatcher.drain();
    expect(log).toHaveBeenCalledTimes(2);
    expect(log.mock.calls[1]?.[0]).toMatch(/store-trace failed \(message .+\); 10 such failure\(s\) so far/);
    await dispatcher.shutdown();
  });

  it('reports a trace that cannot be built', async () => {
    const onError = vi.fn();
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      traceStore: new InMemoryTraceStore(),
      tracePayload: 'include',
      onError,
      handlers: { OrderPlaced: () => 'ok' },
    });

    await expect(dispatcher.dispatch({ ...orderPlaced('1'), circular } as never)).resolves.toBe('ok');
    expect(onError).toHaveBeenCalledWith(expect.any(TypeError), { operation: 'store-trace', messageId: expect.any(String) });
    await dispatcher.shutdown();
  });
});

describe('routing failures', () => {
  it('rejects when the sync provider throws', async () => {
    const store = new InMemoryTraceStore();
    const sequences = new InMemorySequenceProvider();
    vi.spyOn(sequences, 'getNextSync').mockImplementationOnce(() => {
      throw new RangeError('stream is full');
    });
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useSequenceProvider(sequences).useBulkhead('b', { maxConcurrency: 1, maxQueue: 0 }));
    const dispatcher = createDispatcher<AppMessage>({ policies, traceStore: store, handlers: { OrderPlaced: () => 'ok' } });

    await expect(dispatcher.dispatch(orderPlaced('1'))).rejects.toThrow('stream is full');
    // The permit came back: the next message is admitted.
    await expect(dispatcher.dispatch(orderPlaced('2'))).resolves.toBe('ok');
    expect(dispatcher.inFlight).toBe(0);
    await dispatcher.drain();
    const statuses = (await allTraces(store)).map((trace) => trace.outcome.status).sort();
    expect(statuses).toEqual(['failed', 'succeeded']);
    await dispatcher.shutdown();
  });

  it('rejects when a strategy factory returns no strategy', async () => {
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStrategy(() => ({}) as never));
    const dispatcher = createDispatcher<AppMessage>({ policies, handlers: { OrderPlaced: () => 'ok' } });

    await expect(dispatcher.dispatch(orderPlaced('1'))).rejects.toThrow(/Policy "orders": strategy custom created an object, which is not an execution strategy/);
    await dispatcher.shutdown();
  });

  it('cancels messages left waiting by an aborted shutdown', async () => {
    const store = new InMemoryTraceStore();
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).useStrategy('parallel').useBulkhead('b', { maxConcurrency: 1, maxQueue: 1 }));
    const dispatcher = createDispatcher<AppMessage>({
      policies,
      traceStore: store,
      handlers: {
        OrderPlaced: (_order, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
          }),
      },
    });

    const running = dispatcher.dispatch(orderPlaced('1'));
    const waiting = dispatcher.dispatch(orderPlaced('2'));
    running.catch(() => undefined);
    waiting.catch(() => undefined);
    await flush();

    await expect(dispatcher.shutdown(AbortSignal.abort(new Error('stop now')))).rejects.toThrow('stop now');
    await expect(waiting).rejects.toBeInstanceOf(DispatcherClosedError);
    await running.catch(() => undefined);
    await dispatcher.drain();
    const waitingTrace = (await allTraces(store)).find((trace) => trace.streamKey === 'order-2');
    expect(waitingTrace?.outcome.status).toBe('cancelled');
  });

  it('reports lanes that fail to close on eviction', async () => {
    let now = 0;
    const onError = vi.fn();
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      onError,
      lanes: { idleTimeoutMs: 10, sweepIntervalMs: 0, idleClock: { now: () => now } },
      handlers: { OrderPlaced: () => 'ok' },
    });
    await dispatcher.dispatch(orderPlaced('1'));
    const [lane] = [...dispatcher.registry.streams()];
    vi.spyOn(lane as NonNullable<typeof lane>, 'close').mockRejectedValue(new Error('stuck'));

    dispatcher.registry.evictIdle();
    now += 10;
    expect(dispatcher.registry.evictIdle()).toBe(1);
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'stuck' }), { operation: 'close-lane' }));
    await dispatcher.shutdown();
  });
});

describe('asynchronous sequence providers', () => {
  it('assign numbers in dispatch order per stream', async () => {
    const provider = new ManualSequenceProvider();
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).useStrategy('parallel').withConcurrency(8).useSequenceProvider(provider));
    const ran: string[] = [];
    const dispatcher = createDispatcher<AppMessage>({
      policies,
      handlers: { OrderPlaced: (order, ctx) => ran.push(`${order.aggregateId}/${order.index}:${ctx.envelope.sequenceNumber}`) },
    });

    const results = [
      dispatcher.dispatch(orderPlaced('a', { index: 1 })),
      dispatcher.dispatch(orderPlaced('b', { index: 1 })),
      dispatcher.dispatch(orderPlaced('a', { index: 2 })),
      dispatcher.dispatch(orderPlaced('a', { index: 3 })),
    ];
    await flush();

    // One request per stream at a time: a's second request waits for its first.
    expect(provider.pending.map((request) => request.key)).toEqual(['order-a', 'order-b']);
    provider.pending.splice(1, 1)[0]?.release();
    provider.pending.splice(0, 1)[0]?.release();
    await flush();
    expect(provider.pending.map((request) => request.key)).toEqual(['order-a']);
    provider.pending.splice(0, 1)[0]?.release();
    await flush();
    provider.pending.splice(0, 1)[0]?.release();
    await Promise.all(results);

    expect(ran.filter((entry) => entry.startsWith('a'))).toEqual(['a/1:1', 'a/2:2', 'a/3:3']);
    expect(ran).toContain('b/1:1');
    await dispatcher.shutdown();
  });

  it('reject a message whose number fails and continue the stream', async () => {
    const provider = new ManualSequenceProvider();
    const store = new InMemoryTraceStore();
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream('s').useSequenceProvider(provider).useBulkhead('b', { maxConcurrency: 1, maxQueue: 5 }));
    const dispatcher = createDispatcher<AppMessage>({ policies, traceStore: store, handlers: { OrderPlaced: (_order, ctx) => ctx.envelope.sequenceNumber } });

    const first = dispatcher.dispatch(orderPlaced('1'));
    const second = dispatcher.dispatch(orderPlaced('2'));
    await flush();
    provider.pending.shift()?.fail(new Error('sequence store offline'));
    await expect(first).rejects.toThrow('sequence store offline');
    await flush();
    provider.pending.shift()?.release();
    await expect(second).resolves.toBe(1);
    await dispatcher.drain();

    const statuses = (await allTraces(store)).map((trace) => trace.outcome.status).sort();
    expect(statuses).toEqual(['failed', 'succeeded']);
    await dispatcher.shutdown();
  });

  it('wait for both a number and a bulkhead permit', async () => {
    const provider = new ManualSequenceProvider();
    const gate = deferred();
    const policies = createPolicies<AppMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `k-${ctx.getAggregateId()}`).useStrategy('parallel').useSequenceProvider(provider).useBulkhead('b', { maxConcurrency: 1, maxQueue: 2 }));
    const ran: string[] = [];
    const dispatcher = createDispatcher<AppMessage>({
      policies,
      handlers: {
        OrderPlaced: async (order) => {
          ran.push(order.aggregateId);
          if (order.aggregateId === 'a') await gate.promise;
        },
      },
    });

    const a = dispatcher.dispatch(orderPlaced('a'));
    const b = dispatcher.dispatch(orderPlaced('b'));
    const c = dispatcher.dispatch(orderPlaced('c'));
    await flush();
    // c waits for a permit, and its number request fails before it gets one.
    provider.pending.find((request) => request.key === 'k-c')?.fail(new Error('no number for c'));
    await expect(c).rejects.toThrow('no number for c');
    provider.pending.find((request) => request.key === 'k-a')?.release();
    provider.pending.find((request) => request.key === 'k-b')?.release();
    await flush();
    expect(ran).toEqual(['a']);

    gate.resolve();
    await Promise.all([a, b]);
    expect(ran).toEqual(['a', 'b']);

    // c's permit came back to the pool, so d is admitted at once.
    const d = dispatcher.dispatch(orderPlaced('d'));
    await flush();
    provider.pending.find((request) => request.key === 'k-d')?.release();
    await expect(d).resolves.toBeUndefined();
    await dispatcher.shutdown();
  });
});

describe('shutdown', () => {
  it('drains, accepts follow-ups, then rejects', async () => {
    const gate = deferred();
    const handled: string[] = [];
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      handlers: {
        OrderPlaced: async (order, ctx) => {
          await gate.promise;
          await ctx.send({ type: 'InvoiceRequested', orderId: order.aggregateId });
          handled.push(order.aggregateId);
        },
        InvoiceRequested: (invoice) => {
          handled.push(`invoice-${invoice.orderId}`);
        },
      },
    });

    const pending = [dispatcher.dispatch(orderPlaced('1')), dispatcher.dispatch(orderPlaced('2'))];
    await flush();
    expect(dispatcher.registry.size).toBeGreaterThan(0);

    const shutdown = dispatcher.shutdown();
    expect(dispatcher.shutdown()).toBe(shutdown);
    expect(dispatcher.state).toBe('shutting-down');
    await expect(dispatcher.dispatch(orderPlaced('3'))).rejects.toBeInstanceOf(DispatcherClosedError);

    gate.resolve();
    await shutdown;
    await Promise.all(pending);
    expect(handled.sort()).toEqual(['1', '2', 'invoice-1', 'invoice-2']);
    expect(dispatcher.state).toBe('stopped');
    expect(dispatcher.registry.size).toBe(0);
    expect(dispatcher.inFlight).toBe(0);
  });

  it('stops running handlers when its signal aborts', async () => {
    const handlerAborted = deferred();
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      handlers: {
        OrderPlaced: (_order, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              handlerAborted.resolve();
              reject(new Error('handler aborted'));
            });
          }),
      },
    });

    const running = dispatcher.dispatch(orderPlaced('1'));
    const waiting = dispatcher.dispatch(orderPlaced('1'));
    running.catch(() => undefined);
    waiting.catch(() => undefined);
    await flush();

    const controller = new AbortController();
    const shutdown = dispatcher.shutdown(controller.signal);
    controller.abort(new Error('deadline passed'));

    await expect(shutdown).rejects.toThrow('deadline passed');
    await handlerAborted.promise;
    await expect(running).rejects.toThrow();
    await expect(waiting).rejects.toThrow();
    expect(dispatcher.state).toBe('stopped');
    await expect(dispatcher.drain()).resolves.toBeUndefined();
  });

  it('rejects sends after stopping', async () => {
    let context: HandlerContext<OrderPlaced, AppMessage> | undefined;
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      handlers: {
        OrderPlaced: (_order, ctx) => {
          context = ctx;
        },
      },
    });

    await dispatcher.dispatch(orderPlaced('1'));
    await dispatcher.shutdown();
    await expect(context?.send(orderPlaced('2'))).rejects.toBeInstanceOf(DispatcherClosedError);
  });
});

describe('hops', () => {
  it('record the dispatching line', async () => {
    const store = new InMemoryTraceStore();
    const dispatcher = createDispatcher<AppMessage>({
      policies: appPolicies(),
      traceStore: store,
      handlers: {
        OrderPlaced: async (order, ctx) => ctx.send({ type: 'InvoiceRequested', orderId: order.aggregateId }),
        InvoiceRequested: () => 'ok',
      },
    });

    await dispatcher.dispatch(orderPlaced('1'));
    await dispatcher.drain();
    const traces = await allTraces(store);
    for (const trace of traces) {
      expect(trace.hops).toHaveLength(1);
      expect(trace.hops[0]?.caller.filePath).toMatch(/dispatcher\.test\.ts$/);
      expect(trace.hops[0]?.executionStrategy).toBe('serial');
    }
    await dispatcher.shutdown();
  });

  it('can skip callers or hops', async () => {
    const store = new InMemoryTraceStore();
    const noCallers = createDispatcher<AppMessage>({ policies: appPolicies(), traceStore: store, captureCallers: false, handlers: { OrderPlaced: (_order, ctx) => ctx.envelope.messageId } });
    const noHops = createDispatcher<AppMessage>({ policies: appPolicies(), traceStore: store, recordHops: false, handlers: { OrderPlaced: (_order, ctx) => ctx.envelope.messageId } });

    const first = await noCallers.dispatch<string>(orderPlaced('1'));
    const second = await noHops.dispatch<string>(orderPlaced('1'));
    const withoutCaller = await store.getByMessageId(first as never);
    expect(withoutCaller?.hops[0]?.caller.origin).toBe('unknown');
    expect((await store.getByMessageId(second as never))?.hops).toEqual([]);
    await noCallers.shutdown();
    await noHops.shutdown();
  });
});

describe('createDispatcher', () => {
  const policies = (): PolicySet<AppMessage> => appPolicies();

  it.each<[string, unknown, string]>([
    ['no options', undefined, 'Invalid createDispatcher options'],
    ['no handlers', { policies: policies() }, 'createDispatcher needs at least one handler'],
    ['unknown topic', { policies: policies(), topicHandlers: { order: () => 1 } }, 'topicHandlers["order"] names a topic that no policy routes to. Known topics: "orders", "invoices", "views".'],
    ['handler not a function', { policies: policies(), handlers: { OrderPlaced: 'x' } }, 'Invalid handlers["OrderPlaced"]: expected a function'],
    ['handlers not an object', { policies: policies(), handlers: 5 }, 'Invalid handlers option'],
    ['policies missing', { handlers: { OrderPlaced: () => 1 } }, 'Invalid policies option'],
    ['environment with engine', { policies: policies().build(), environment: 'x', handlers: { OrderPlaced: () => 1 } }, 'environment and services belong to PolicySet.build()'],
    ['bad trace store', { policies: policies(), traceStore: {}, handlers: { OrderPlaced: () => 1 } }, 'Invalid traceStore option'],
    ['bad recordHops', { policies: policies(), recordHops: 'yes', handlers: { OrderPlaced: () => 1 } }, 'Invalid recordHops option: yes'],
    ['bad onError', { policies: policies(), onError: 3, handlers: { OrderPlaced: () => 1 } }, 'Invalid onError option'],
    ['bad tracing', { policies: policies(), tracing: 'on', handlers: { OrderPlaced: () => 1 } }, 'Invalid tracing option'],
  ])('rejects %s', (_label, options, message) => {
    expect(() => createDispatcher(options as never)).toThrow(message);
  });

  it('accepts a built engine', async () => {
    const dispatcher = createDispatcher<AppMessage>({ policies: policies().build({ environment: 'prod' }), handlers: { OrderPlaced: (_order, ctx) => ctx.environment } });
    await expect(dispatcher.dispatch(orderPlaced('1'))).resolves.toBe('prod');
    await dispatcher.shutdown();
  });
});
