import type {
  AggregateType,
  Clock,
  MessageEnvelope,
  PolicyContext,
  PolicyDecisionTrail,
  ServiceKey,
} from '@whizbang/observability';

import type { ServiceRegistry } from './services.js';

/**
 * The {@link PolicyContext} the engine hands to predicates, stream-key selectors, routers and
 * handlers.
 *
 * Aggregate protocol, read from the message payload:
 * - Aggregate type: the payload's `aggregateType` string field, else a static `aggregateType`
 *   string on its class. `matchesAggregate('Order')` compares it exactly, so `"Reorder"` never
 *   matches `"Order"`. `matchesAggregate(Order)` is true for instances of `Order` (or a subclass)
 *   and for payloads that declare `Order.aggregateType` when the class has one.
 * - Aggregate id: the payload's `aggregateId` field (a string, or a finite number converted to
 *   text), else the result of its `getAggregateId()` method.
 *
 * Tags and flags come from the envelope metadata: `tags` is an array of strings, and `flags` is
 * an array of strings or an object whose `true` properties are the flags that are set.
 *
 * @example
 * ```ts
 * policies.when('orders', (ctx) => ctx.matchesAggregate(Order) && !ctx.hasTag('replay'));
 * ```
 */
export class MessagePolicyContext<TMessage = unknown> implements PolicyContext<TMessage> {
  readonly envelope: MessageEnvelope<TMessage>;
  readonly environment: string;
  readonly #services: ServiceRegistry;
  readonly #clock: Clock;
  #executionTime: number | undefined;

  constructor(envelope: MessageEnvelope<TMessage>, environment: string, services: ServiceRegistry, clock: Clock) {
    this.envelope = envelope;
    this.environment = environment;
    this.#services = services;
    this.#clock = clock;
  }

  get message(): TMessage {
    return this.envelope.payload;
  }

  get messageType(): string {
    return this.envelope.messageType;
  }

  get trail(): PolicyDecisionTrail {
    return this.envelope.policyTrail;
  }

  /** Wall-clock time of the first read, in milliseconds since the Unix epoch; read lazily so unused contexts never touch the clock. */
  get executionTime(): number {
    this.#executionTime ??= this.#clock.now();
    return this.#executionTime;
  }

  matchesAggregate(type: AggregateType): boolean {
    const message = this.envelope.payload as unknown;

    if (typeof type === 'string') return declaredAggregateType(message) === type;

    if (typeof type !== 'function') {
      throw new TypeError(
        `Invalid aggregate type: ${String(type)}. Pass a class (matchesAggregate(Order)) or a type name (matchesAggregate('Order')).`,
      );
    }
    if (typeof message === 'object' && message !== null && message instanceof type) return true;

    const staticName = (type as { aggregateType?: unknown }).aggregateType;
    return typeof staticName === 'string' && declaredAggregateType(message) === staticName;
  }

  getAggregateId(): string | undefined {
    const message = this.envelope.payload as unknown;
    if (typeof message !== 'object' || message === null) return undefined;

    const field = (message as { aggregateId?: unknown }).aggregateId;
    if (typeof field === 'string') return field;
    if (typeof field === 'number' && Number.isFinite(field)) return String(field);

    const method = (message as { getAggregateId?: unknown }).getAggregateId;
    if (typeof method === 'function') {
      const id: unknown = method.call(message);
      if (typeof id === 'string') return id;
      if (typeof id === 'number' && Number.isFinite(id)) return String(id);
    }
    return undefined;
  }

  hasTag(tag: string): boolean {
    const tags = this.envelope.metadata['tags'];
    return Array.isArray(tags) && tags.includes(tag);
  }

  hasFlag(flag: string): boolean {
    const flags = this.envelope.metadata['flags'];
    if (Array.isArray(flags)) return flags.includes(flag);
    if (typeof flags === 'object' && flags !== null) return (flags as Record<string, unknown>)[flag] === true;
    return false;
  }

  getMetadata(key: string): unknown {
    return this.envelope.metadata[key];
  }

  getService<T>(key: ServiceKey<T>): T {
    return this.#services.get(key);
  }
}

function declaredAggregateType(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;

  const field = (message as { aggregateType?: unknown }).aggregateType;
  if (typeof field === 'string') return field;

  const staticName = (message as { constructor?: { aggregateType?: unknown } }).constructor?.aggregateType;
  return typeof staticName === 'string' ? staticName : undefined;
}
