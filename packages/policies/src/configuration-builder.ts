import type { PartitionRouter, PolicyContext, SequenceProvider } from '@whizbang/observability';

import type { StrategySpec } from './strategy.js';

/**
 * Stream key of a policy: one constant key for every message, or a function of the message's
 * context. The function runs once per dispatched message and must return a non-empty string.
 *
 * @example
 * ```ts
 * const byOrder: StreamKeySelector<OrderEvent> = (ctx) => `order-${ctx.getAggregateId()}`;
 * ```
 */
export type StreamKeySelector<TMessage = unknown> = string | ((context: PolicyContext<TMessage>) => string);

/**
 * Limits of a bulkhead: how many messages of the policy run at once and how many more may wait.
 *
 * @example
 * ```ts
 * cfg.useBulkhead('order-processing', { maxConcurrency: 10, maxQueue: 50 });
 * ```
 */
export interface BulkheadLimits {
  /** Messages that may run at once; a positive integer. */
  readonly maxConcurrency: number;

  /** Messages that may wait for a slot; a non-negative integer (default 0: reject when all slots are busy). */
  readonly maxQueue?: number;
}

/** Values recorded by a {@link PolicyConfigBuilder}; validated by `PolicySet.build()`. */
export interface PolicyDraft {
  topic?: unknown;
  stream?: unknown;
  strategy?: unknown;
  concurrency?: unknown;
  partitions?: unknown;
  partitionRouter?: unknown;
  sequenceProvider?: unknown;
  bulkhead?: { name: unknown; limits: unknown };
  timeoutMs?: unknown;

  /** Problems found while recording, such as an option set twice. */
  readonly problems: string[];
}

/**
 * Fluent configuration of one policy, passed to the `then` callback of `policies.when(...)`.
 * Every method returns the builder, so calls chain. Each option may be set once: setting one
 * twice is reported by `build()`, because the second call usually hides a copy-paste mistake.
 * Values are checked by `build()`, which lists every problem at once.
 *
 * Defaults: strategy `'serial'`, concurrency 1 (serial) or 10 (parallel), 1 partition, the
 * engine's hash router and in-memory sequence provider, no bulkhead, no timeout, and the topic
 * name as the stream key.
 *
 * @example
 * ```ts
 * policies.when('orders', (ctx) => ctx.matchesAggregate(Order)).then((cfg) =>
 *   cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).withPartitions(4),
 * );
 * ```
 */
export class PolicyConfigBuilder<TMessage = unknown> {
  /** @internal */
  readonly draft: PolicyDraft = { problems: [] };

  readonly #policyName: string;

  constructor(policyName: string) {
    this.#policyName = policyName;
  }

  /** Sets the topic: the logical destination of matched messages (required). */
  useTopic(topic: string): this {
    this.#set('topic', 'useTopic', topic);
    return this;
  }

  /** Sets the stream key: a constant string or a function of the message context. Messages of one stream key run in order. */
  useStream(streamKey: StreamKeySelector<TMessage>): this {
    this.#set('stream', 'useStream', streamKey);
    return this;
  }

  /**
   * Sets the execution strategy of the topic's lanes: `'serial'`, `'parallel'`, an
   * `ExecutionStrategy` class such as `SerialExecutor`, or a factory function. Each lane gets
   * its own instance, so pass a class or a factory, never an instance.
   */
  useStrategy(strategy: StrategySpec): this {
    this.#set('strategy', 'useStrategy', strategy);
    return this;
  }

  /** Sets how many messages one lane runs at once (a positive integer; the serial strategy allows only 1). */
  withConcurrency(maxConcurrency: number): this {
    this.#set('concurrency', 'withConcurrency', maxConcurrency);
    return this;
  }

  /** Sets the number of partitions of the topic (a positive integer); each partition runs on its own lane. */
  withPartitions(partitionCount: number): this {
    this.#set('partitions', 'withPartitions', partitionCount);
    return this;
  }

  /** Sets the router that maps a stream key to a partition, such as `new HashPartitionRouter()`. */
  usePartitionRouter(router: PartitionRouter): this {
    this.#set('partitionRouter', 'usePartitionRouter', router);
    return this;
  }

  /** Sets the provider of per-stream sequence numbers, such as `new InMemorySequenceProvider()`. */
  useSequenceProvider(provider: SequenceProvider): this {
    this.#set('sequenceProvider', 'useSequenceProvider', provider);
    return this;
  }

  /**
   * Limits the messages of this policy that run or wait at once, over all of its partitions.
   * A message that finds every slot and queue place taken is rejected with `BulkheadRejectedError`.
   */
  useBulkhead(name: string, limits: BulkheadLimits): this {
    if (this.draft.bulkhead !== undefined) {
      this.draft.problems.push(this.#twice('useBulkhead'));
      return this;
    }
    this.draft.bulkhead = { name, limits };
    return this;
  }

  /** Sets the handler timeout in milliseconds (a positive number up to 2,147,483,647, the `setTimeout` limit). */
  useTimeout(timeoutMs: number): this {
    this.#set('timeoutMs', 'useTimeout', timeoutMs);
    return this;
  }

  #set(field: Exclude<keyof PolicyDraft, 'problems' | 'bulkhead'>, method: string, value: unknown): void {
    if (field in this.draft) {
      this.draft.problems.push(this.#twice(method));
      return;
    }
    this.draft[field] = value;
  }

  #twice(method: string): string {
    return `Policy "${this.#policyName}": ${method} was called more than once. Call each option once per policy.`;
  }
}
