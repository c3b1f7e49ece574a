import type { MessageEnvelope } from './envelope.js';
import type { PolicyDecisionTrail } from './trail.js';

/**
 * A class or a declared aggregate name that `PolicyContext.matchesAggregate` compares a message
 * against. A message matches a class when it is an instance of it, and matches a name when it
 * declares that exact aggregate type (see `AggregateMessage`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AggregateType = string | (abstract new (...args: any[]) => unknown);

/**
 * A way for a message to declare the aggregate it belongs to without a class: plain objects
 * read from JSON carry these two fields.
 *
 * @example
 * ```ts
 * const placed = { aggregateType: 'Order', aggregateId: 'order-42', total: 10 };
 * ```
 */
export interface AggregateMessage {
  /** Aggregate type name, compared exactly (`"Reorder"` never matches `"Order"`). */
  readonly aggregateType: string;

  /** Aggregate id, the usual stream key. */
  readonly aggregateId: string;
}

/** Key of a service registered with the engine: a string or symbol, typed by the value it returns. */
export type ServiceKey<T> = (string | symbol) & { readonly __serviceType?: T };

/**
 * Everything a policy predicate, a stream-key function, a router and a handler can read about one
 * message while it is dispatched. The policy engine in `@whizbang/policies` creates it; this
 * package holds only the type so that lower packages (routers, executors) can accept it.
 */
export interface PolicyContext<TMessage = unknown> {
  /** The message payload being dispatched. */
  readonly message: TMessage;

  /** Message type name: the `type` field of a plain message, else its class name. */
  readonly messageType: string;

  /** Envelope that carries the message, its ids, hops and trail. */
  readonly envelope: MessageEnvelope<TMessage>;

  /** Deployment environment name given to the engine (default `"development"`). */
  readonly environment: string;

  /** Wall-clock time of dispatch, in milliseconds since the Unix epoch. */
  readonly executionTime: number;

  /** Trail that records every policy decision taken for this message. */
  readonly trail: PolicyDecisionTrail;

  /** Returns true when the message is an instance of `type` or declares it as its aggregate type. */
  matchesAggregate(type: AggregateType): boolean;

  /** Returns the message's aggregate id, or undefined when it declares none. */
  getAggregateId(): string | undefined;

  /** Returns true when the envelope's metadata lists `tag` among its tags. */
  hasTag(tag: string): boolean;

  /** Returns true when the envelope's metadata sets `flag`. */
  hasFlag(flag: string): boolean;

  /** Returns the metadata value stored under `key`, or undefined. */
  getMetadata(key: string): unknown;

  /** Returns the service registered under `key`; throws when none is registered. */
  getService<T>(key: ServiceKey<T>): T;
}
