import { context, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createPolicies } from '@whizbang/policies';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { createDispatcher } from '../src/index.js';
import { formatTraceparent, isTracerProviderRegistered, loadOpenTelemetryApi, requireOptional, resolveTracing } from '../src/tracing.js';
import { orderPlaced, type OrderPlaced } from './helpers.js';

/** A real AsyncLocalStorage context manager that counts every call made to it. */
class CountingContextManager extends AsyncLocalStorageContextManager {
  calls = 0;

  override active(): Context {
    this.calls += 1;
    return super.active();
  }

  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    this.calls += 1;
    return super.with(ctx, fn, thisArg, ...args);
  }
}

const manager = new CountingContextManager();

beforeAll(() => {
  // A context manager is registered, as in an app with partial OpenTelemetry setup, but no
  // tracer provider: the dispatcher must not touch either per message.
  trace.disable();
  context.disable();
  context.setGlobalContextManager(manager.enable());
});

afterAll(() => {
  context.disable();
  trace.disable();
});

describe('tracing without an SDK', () => {
  it('costs no context or span call per message', async () => {
    const getTracer = vi.spyOn(trace, 'getTracer');
    const policies = createPolicies<OrderPlaced>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).useStrategy('parallel').withPartitions(2));
    const dispatcher = createDispatcher<OrderPlaced>({ policies, handlers: { OrderPlaced: (_order, ctx) => ctx.envelope.traceparent } });

    manager.calls = 0;
    const results = await Promise.all(Array.from({ length: 1_000 }, (_, index) => dispatcher.dispatch(orderPlaced(String(index % 10)))));

    expect(results.every((traceparent) => traceparent === undefined)).toBe(true);
    expect(manager.calls).toBe(0);
    expect(getTracer).not.toHaveBeenCalled();
    expect(dispatcher.tracing).toBeUndefined();
    await dispatcher.shutdown();
  });

  it('detects a registered provider', () => {
    const api = loadOpenTelemetryApi();
    expect(api).toBeDefined();
    expect(isTracerProviderRegistered(api as NonNullable<typeof api>)).toBe(false);
    expect(resolveTracing(undefined)).toBeUndefined();

    trace.setGlobalTracerProvider(new BasicTracerProvider());
    try {
      expect(isTracerProviderRegistered(api as NonNullable<typeof api>)).toBe(true);
      expect(resolveTracing(undefined)).toBeDefined();
    } finally {
      trace.disable();
    }
  });

  it('needs the API only when asked for', () => {
    const missing = () => undefined;
    expect(resolveTracing(undefined, missing)).toBeUndefined();
    expect(resolveTracing(false, missing)).toBeUndefined();
    expect(() => resolveTracing(true, missing)).toThrow('Tracing needs the optional peer dependency @opentelemetry/api.');
    expect(() => resolveTracing({ tracer: 5 } as never, missing)).toThrow('Invalid tracing option');
  });

  it('treats only a missing module as absent', () => {
    const missing = Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
    expect(requireOptional(() => 'loaded')).toBe('loaded');
    expect(
      requireOptional(() => {
        throw missing;
      }),
    ).toBeUndefined();
    expect(() =>
      requireOptional(() => {
        throw new SyntaxError('Unexpected token');
      }),
    ).toThrow('Unexpected token');
  });

  it('formats only valid span contexts', () => {
    expect(formatTraceparent({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 })).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
    expect(formatTraceparent({ traceId: '00000000000000000000000000000000', spanId: 'b7ad6b7169203331', traceFlags: 0 })).toBeUndefined();
    expect(formatTraceparent({ traceId: 'XYZ', spanId: 'b7ad6b7169203331', traceFlags: 0 })).toBeUndefined();
  });
});
