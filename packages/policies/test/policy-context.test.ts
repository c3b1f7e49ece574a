import { createEnvelope, type Clock } from '@whizbang/observability';
import { describe, expect, it } from 'vitest';

import { MessagePolicyContext, ServiceNotFoundError, serviceKey } from '../src/index.js';
import { ServiceRegistry } from '../src/services.js';

class Order {
  constructor(readonly aggregateId: string) {}
}

class SpecialOrder extends Order {}

class Invoice {
  static readonly aggregateType = 'Invoice';
  constructor(readonly number: number) {}
  getAggregateId(): string {
    return `invoice-${this.number}`;
  }
}

const clock: Clock = { now: () => 1_000 };

function contextOf(payload: unknown, metadata: Record<string, unknown> = {}, services = new ServiceRegistry(undefined)) {
  return new MessagePolicyContext(createEnvelope(payload, { metadata, clock }), 'test', services, clock);
}

describe('matchesAggregate', () => {
  it('matches class instances and subclasses', () => {
    expect(contextOf(new Order('1')).matchesAggregate(Order)).toBe(true);
    expect(contextOf(new SpecialOrder('1')).matchesAggregate(Order)).toBe(true);
    expect(contextOf(new Order('1')).matchesAggregate(Invoice)).toBe(false);
  });

  it('compares declared type names exactly', () => {
    expect(contextOf({ aggregateType: 'Order', aggregateId: '1' }).matchesAggregate('Order')).toBe(true);
    expect(contextOf({ aggregateType: 'Reorder', aggregateId: '1' }).matchesAggregate('Order')).toBe(false);
    expect(contextOf({ aggregateType: 'Orders', aggregateId: '1' }).matchesAggregate('Order')).toBe(false);
    expect(contextOf({ aggregateType: 'order', aggregateId: '1' }).matchesAggregate('Order')).toBe(false);
  });

  it('reads a static aggregateType of the class', () => {
    expect(contextOf(new Invoice(7)).matchesAggregate('Invoice')).toBe(true);
    expect(contextOf({ aggregateType: 'Invoice' }).matchesAggregate(Invoice)).toBe(true);
    expect(contextOf({ aggregateType: 'Reinvoice' }).matchesAggregate(Invoice)).toBe(false);
  });

  it('never matches non-objects', () => {
    expect(contextOf('Order').matchesAggregate('Order')).toBe(false);
    expect(contextOf(null).matchesAggregate(Order)).toBe(false);
    expect(contextOf(42).matchesAggregate('Order')).toBe(false);
  });

  it('rejects an invalid type argument', () => {
    expect(() => contextOf({}).matchesAggregate(42 as never)).toThrow(/Invalid aggregate type: 42/);
  });
});

describe('getAggregateId', () => {
  it('reads the aggregateId field', () => {
    expect(contextOf({ aggregateId: 'order-1' }).getAggregateId()).toBe('order-1');
    expect(contextOf({ aggregateId: 17 }).getAggregateId()).toBe('17');
  });

  it('falls back to a getAggregateId method', () => {
    expect(contextOf(new Invoice(3)).getAggregateId()).toBe('invoice-3');
  });

  it('returns undefined without an id', () => {
    expect(contextOf({}).getAggregateId()).toBeUndefined();
    expect(contextOf({ aggregateId: Number.NaN }).getAggregateId()).toBeUndefined();
    expect(contextOf({ aggregateId: { nested: true } }).getAggregateId()).toBeUndefined();
    expect(contextOf({ getAggregateId: () => null }).getAggregateId()).toBeUndefined();
    expect(contextOf('text').getAggregateId()).toBeUndefined();
  });
});

describe('tags, flags and metadata', () => {
  it('reads tags from metadata', () => {
    const context = contextOf({}, { tags: ['replay', 'vip'] });
    expect(context.hasTag('vip')).toBe(true);
    expect(context.hasTag('other')).toBe(false);
    expect(contextOf({}, { tags: 'vip' }).hasTag('vip')).toBe(false);
  });

  it('reads flags as array or object', () => {
    expect(contextOf({}, { flags: ['dry-run'] }).hasFlag('dry-run')).toBe(true);
    expect(contextOf({}, { flags: { 'dry-run': true, trace: false } }).hasFlag('dry-run')).toBe(true);
    expect(contextOf({}, { flags: { trace: false } }).hasFlag('trace')).toBe(false);
    expect(contextOf({}).hasFlag('dry-run')).toBe(false);
  });

  it('returns metadata values', () => {
    const context = contextOf({}, { tenant: 'acme' });
    expect(context.getMetadata('tenant')).toBe('acme');
    expect(context.getMetadata('missing')).toBeUndefined();
  });

  it('exposes message, type, environment and time', () => {
    const context = contextOf({ type: 'OrderPlaced' });
    expect(context.message).toEqual({ type: 'OrderPlaced' });
    expect(context.messageType).toBe('OrderPlaced');
    expect(context.environment).toBe('test');
    expect(context.executionTime).toBe(1_000);
    expect(context.trail).toBe(context.envelope.policyTrail);
  });
});

describe('getService', () => {
  it('returns registered services by string or symbol key', () => {
    const Pricing = serviceKey<{ price(): number }>('pricing');
    const pricing = { price: () => 3 };
    const fromMap = contextOf({}, {}, new ServiceRegistry(new Map([[Pricing, pricing]])));
    expect(fromMap.getService(Pricing).price()).toBe(3);

    const fromObject = contextOf({}, {}, new ServiceRegistry({ tax: 0.2 }));
    expect(fromObject.getService<number>('tax')).toBe(0.2);
  });

  it('throws ServiceNotFoundError naming the key', () => {
    const context = contextOf({}, {}, new ServiceRegistry({ tax: 0.2 }));
    expect(() => context.getService('pricing')).toThrow(ServiceNotFoundError);
    expect(() => context.getService('pricing')).toThrow(/Service not found: "pricing". Registered services: "tax"/);
    expect(() => contextOf({}).getService(serviceKey('clock'))).toThrow(/Symbol\(clock\).*Registered services: none/);
  });

  it('rejects invalid service keys and registries', () => {
    expect(() => serviceKey('')).toThrow(TypeError);
    expect(() => new ServiceRegistry(42 as never)).toThrow(/Invalid services: 42/);
  });
});
