import { EventEmitter } from 'node:events';

import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemoryTraceStore } from '@whizbang/observability';
import { createPolicies } from '@whizbang/policies';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createDispatcher, type Dispatcher } from '../src/index.js';
import { deferred, orderPlaced, type AppMessage, type OrderPlaced } from './helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = trace.getTracer('tracing-test');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

beforeEach(() => {
  exporter.reset();
});

function policies() {
  return createPolicies<AppMessage>()
    .when('orders', (ctx) => ctx.matchesAggregate('Order'))
    .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).withPartitions(1))
    .when('invoices', (ctx) => ctx.message.type === 'InvoiceRequested')
    .then((cfg) => cfg.useTopic('invoices'));
}

function spans(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}

function only(name: string, traceId: string): ReadableSpan {
  const found = spans(name).filter((span) => span.spanContext().traceId === traceId);
  expect(found, `spans named ${name} in trace ${traceId}`).toHaveLength(1);
  return found[0] as ReadableSpan;
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Runs `work` inside a new active span and returns the span's trace id with the work's result. */
function inSpan<T>(name: string, work: () => T): { traceId: string; spanId: string; result: T } {
  return tracer.startActiveSpan(name, (span) => {
    try {
      return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, result: work() };
    } finally {
      span.end();
    }
  });
}

describe('OpenTelemetry spans', () => {
  it('parent each execution on its dispatch context', async () => {
    const gate = deferred();
    let dispatcher: Dispatcher<AppMessage> | undefined;
    const warmup = await tracer.startActiveSpan('startup', async (span) => {
      dispatcher = createDispatcher<AppMessage>({
        policies: policies(),
        handlers: {
          OrderPlaced: async (order) => {
            // The handler's own spans nest under its execution span.
            tracer.startSpan(`work ${order.aggregateId}`).end();
            if (order.index === 1) await gate.promise;
          },
        },
      });
      await dispatcher.dispatch(orderPlaced('same', { index: 0 }));
      span.end();
      return span.spanContext().traceId;
    });
    const active = dispatcher as Dispatcher<AppMessage>;

    // Both messages share one serial lane: m2 starts when m1 finishes, inside m1's async context.
    const t1 = inSpan('T1', () => active.dispatch(orderPlaced('same', { index: 1 })));
    const t2 = inSpan('T2', () => active.dispatch(orderPlaced('same', { index: 2 })));
    gate.resolve();
    await Promise.all([t1.result, t2.result]);

    expect(new Set([warmup, t1.traceId, t2.traceId]).size).toBe(3);
    for (const root of [t1, t2]) {
      const send = only('send orders', root.traceId);
      const process = only('process orders', root.traceId);
      expect(parentOf(send)).toBe(root.spanId);
      expect(parentOf(process)).toBe(send.spanContext().spanId);
    }
    const work1 = spans('work same').filter((span) => span.spanContext().traceId === t1.traceId);
    const work2 = spans('work same').filter((span) => span.spanContext().traceId === t2.traceId);
    expect(work1).toHaveLength(1);
    expect(work2).toHaveLength(1);
    expect(parentOf(work2[0] as ReadableSpan)).toBe(only('process orders', t2.traceId).spanContext().spanId);
    expect(spans('process orders').filter((span) => span.spanContext().traceId === warmup)).toHaveLength(1);
    await active.shutdown();
  });

  it('give messages emitted by a listener their own parents', async () => {
    const emitter = new EventEmitter();
    const results: Promise<unknown>[] = [];
    let dispatcher: Dispatcher<AppMessage> | undefined;
    tracer.startActiveSpan('startup', (span) => {
      dispatcher = createDispatcher<AppMessage>({ policies: policies(), handlers: { OrderPlaced: () => 'ok' } });
      emitter.on('order', (message: OrderPlaced) => results.push((dispatcher as Dispatcher<AppMessage>).dispatch(message)));
      span.end();
    });

    const s1 = inSpan('S1', () => emitter.emit('order', orderPlaced('1')));
    const s2 = inSpan('S2', () => emitter.emit('order', orderPlaced('2')));
    await Promise.all(results);

    for (const root of [s1, s2]) {
      const send = only('send orders', root.traceId);
      expect(parentOf(send)).toBe(root.spanId);
      expect(parentOf(only('process orders', root.traceId))).toBe(send.spanContext().spanId);
    }
    await dispatcher?.shutdown();
  });

  it('nest follow-ups and store the traceparent', async () => {
    const store = new InMemoryTraceStore();
    const dispatcher = createDispatcher<AppMessage>({
      policies: policies(),
      traceStore: store,
      handlers: {
        OrderPlaced: async (order, ctx) => ctx.send({ type: 'InvoiceRequested', orderId: order.aggregateId }),
        InvoiceRequested: (_invoice, ctx) => ctx.envelope.messageId,
      },
    });

    const root = inSpan('request', () => dispatcher.dispatch(orderPlaced('9')));
    await root.result;
    await dispatcher.drain();

    const processOrder = only('process orders', root.traceId);
    const sendInvoice = only('send invoices', root.traceId);
    const processInvoice = only('process invoices', root.traceId);
    expect(parentOf(sendInvoice)).toBe(processOrder.spanContext().spanId);
    expect(parentOf(processInvoice)).toBe(sendInvoice.spanContext().spanId);
    expect(sendInvoice.attributes['messaging.destination.name']).toBe('invoices');
    expect(processInvoice.attributes['whizbang.sequence_number']).toBe(1);

    const traces = await store.getByTimeRange(0, Number.MAX_SAFE_INTEGER);
    const invoiceTrace = traces.find((stored) => stored.messageType === 'InvoiceRequested');
    const { traceId, spanId } = sendInvoice.spanContext();
    expect(invoiceTrace?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    await dispatcher.shutdown();
  });

  it('continue a remote traceparent', async () => {
    const dispatcher = createDispatcher<AppMessage>({ policies: policies(), handlers: { OrderPlaced: () => 'ok' } });
    const remote = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

    await dispatcher.dispatch(orderPlaced('1'), { traceparent: remote });
    const send = only('send orders', '0af7651916cd43dd8448eb211c80319c');
    expect(parentOf(send)).toBe('b7ad6b7169203331');

    await dispatcher.dispatch(orderPlaced('1'), { traceparent: 'not-a-traceparent' });
    expect(spans('send orders')).toHaveLength(2);
    await dispatcher.shutdown();
  });

  it('mark failures on spans', async () => {
    const dispatcher = createDispatcher<AppMessage>({
      policies: policies(),
      handlers: {
        OrderPlaced: (order) => {
          if (order.aggregateId === 'sync') throw new Error('sync failure');
          return Promise.reject(new Error('async failure'));
        },
      },
    });

    await expect(dispatcher.dispatch(orderPlaced('sync'))).rejects.toThrow('sync failure');
    await expect(dispatcher.dispatch(orderPlaced('async'))).rejects.toThrow('async failure');
    await expect(dispatcher.dispatch({ type: 'ViewRefreshed', view: 'v' })).rejects.toThrow(/No policy matched/);

    const statuses = spans('process orders').map((span) => [span.status.code, span.status.message]);
    expect(statuses).toEqual([
      [SpanStatusCode.ERROR, 'sync failure'],
      [SpanStatusCode.ERROR, 'async failure'],
    ]);
    const unrouted = spans('send');
    expect(unrouted).toHaveLength(1);
    expect(unrouted[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(unrouted[0]?.events.map((event) => event.name)).toEqual(['exception']);
    await dispatcher.shutdown();
  });

  it('can be turned off or given a tracer', async () => {
    const off = createDispatcher<AppMessage>({ policies: policies(), tracing: false, handlers: { OrderPlaced: (_order, ctx) => ctx.envelope.traceparent } });
    await expect(off.dispatch(orderPlaced('1'))).resolves.toBeUndefined();
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    const ownTracer = provider.getTracer('own');
    const explicit = createDispatcher<AppMessage>({ policies: policies(), tracing: { tracer: ownTracer }, handlers: { OrderPlaced: () => 'ok' } });
    await explicit.dispatch(orderPlaced('1'));
    expect(spans('process orders')[0]?.instrumentationScope.name).toBe('own');

    const forced = createDispatcher<AppMessage>({ policies: policies(), tracing: true, handlers: { OrderPlaced: () => 'ok' } });
    await forced.dispatch(orderPlaced('1'));
    expect(spans('process orders')[1]?.instrumentationScope.name).toBe('@whizbang/streams');
    await Promise.all([off.shutdown(), explicit.shutdown(), forced.shutdown()]);
  });
});
