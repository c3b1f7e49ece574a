import type { PartitionRouter, PolicyContext, SequenceProvider } from '@whizbang/observability';

import { InvalidStreamKeyError } from './errors.js';
import type { ResolvedStrategy } from './strategy.js';

/** Bulkhead settings of a policy after validation. */
export interface BulkheadSettings {
  /** Bulkhead name, shown in trails and in `BulkheadRejectedError` messages. */
  readonly name: string;

  /** Messages that may run at once. */
  readonly maxConcurrency: number;

  /** Messages that may wait for a slot. */
  readonly maxQueue: number;
}

/**
 * JSON-friendly description of a policy's configuration, built once per policy. The decision
 * trail stores it on every miss (no allocation per message), and a match stores a copy with the
 * message's stream key and partition added.
 */
export interface PolicyConfigurationSummary {
  readonly topic: string;

  /** The constant stream key, or `"[Function name]"` for a selector. */
  readonly stream: string;
  readonly strategy: string;
  readonly concurrency: number;
  readonly partitions: number;
  readonly partitionRouter: string;
  readonly sequenceProvider: string;
  readonly bulkhead: BulkheadSettings | null;
  readonly timeoutMs: number | null;
}

/** Configuration stored in the trail for the policy that matched a message. */
export interface MatchedPolicyConfiguration extends PolicyConfigurationSummary {
  readonly streamKey: string;
  readonly partitionIndex: number;
}

/** Input of the {@link ResolvedPolicy} constructor, produced by validation. */
export interface ResolvedPolicyInit<TMessage> {
  name: string;
  rule: string;
  isDefault: boolean;
  predicate: ((context: PolicyContext<TMessage>) => unknown) | undefined;
  topic: string;
  stream: string | ((context: PolicyContext<TMessage>) => string);
  strategy: ResolvedStrategy;
  concurrency: number;
  partitions: number;
  partitionRouter: PartitionRouter;
  sequenceProvider: SequenceProvider;
  bulkhead: BulkheadSettings | undefined;
  timeoutMs: number | undefined;
}

/**
 * One validated, frozen policy: what `PolicySet.build()` produces from a `when(...).then(...)`
 * registration. The engine reads it for every message and never changes it.
 *
 * @example
 * ```ts
 * const engine = policies.build();
 * for (const policy of engine.policies) console.log(policy.name, policy.topic, policy.partitions);
 * ```
 */
export class ResolvedPolicy<TMessage = unknown> {
  /** Unique policy name, shown in trails. */
  readonly name: string;

  /** Source text of the predicate (at most 200 characters), shown in trails as the rule. */
  readonly rule: string;

  /** True for the policy set with `otherwise`, which matches when no other policy does. */
  readonly isDefault: boolean;

  /** Predicate; undefined for the default policy. */
  readonly predicate: ((context: PolicyContext<TMessage>) => unknown) | undefined;

  readonly topic: string;

  /** Constant stream key, or the selector that computes one per message. */
  readonly stream: string | ((context: PolicyContext<TMessage>) => string);
  readonly strategy: ResolvedStrategy;
  readonly concurrency: number;
  readonly partitions: number;
  readonly partitionRouter: PartitionRouter;
  readonly sequenceProvider: SequenceProvider;
  readonly bulkhead: BulkheadSettings | undefined;
  readonly timeoutMs: number | undefined;

  /** Configuration recorded in the trail; frozen and shared by every decision about this policy. */
  readonly summary: PolicyConfigurationSummary;

  constructor(init: ResolvedPolicyInit<TMessage>) {
    this.name = init.name;
    this.rule = init.rule;
    this.isDefault = init.isDefault;
    this.predicate = init.predicate;
    this.topic = init.topic;
    this.stream = init.stream;
    this.strategy = init.strategy;
    this.concurrency = init.concurrency;
    this.partitions = init.partitions;
    this.partitionRouter = init.partitionRouter;
    this.sequenceProvider = init.sequenceProvider;
    this.bulkhead = init.bulkhead === undefined ? undefined : Object.freeze({ ...init.bulkhead });
    this.timeoutMs = init.timeoutMs;
    this.summary = Object.freeze({
      topic: init.topic,
      stream: typeof init.stream === 'string' ? init.stream : `[Function ${init.stream.name === '' ? 'anonymous' : init.stream.name}]`,
      strategy: init.strategy.name,
      concurrency: init.concurrency,
      partitions: init.partitions,
      partitionRouter: init.partitionRouter.name,
      sequenceProvider: init.sequenceProvider.name,
      bulkhead: this.bulkhead ?? null,
      timeoutMs: init.timeoutMs ?? null,
    });
    Object.freeze(this);
  }

  /**
   * Builds the configuration recorded for a match: the summary plus the stream key and
   * partition it resolved to, with the same keys in the same order as the summary.
   */
  matchedConfiguration(streamKey: string, partitionIndex: number): MatchedPolicyConfiguration {
    // Fixed fields rather than `{ ...summary, streamKey, partitionIndex }`: on Node 20 the
    // spread plus extra properties measured about 140 ns of a 266 ns evaluation.
    const summary = this.summary;
    return {
      topic: summary.topic,
      stream: summary.stream,
      strategy: summary.strategy,
      concurrency: summary.concurrency,
      partitions: summary.partitions,
      partitionRouter: summary.partitionRouter,
      sequenceProvider: summary.sequenceProvider,
      bulkhead: summary.bulkhead,
      timeoutMs: summary.timeoutMs,
      streamKey,
      partitionIndex,
    };
  }

  /**
   * Computes the stream key of a message.
   *
   * @throws InvalidStreamKeyError when the selector returns anything but a non-empty string.
   */
  resolveStreamKey(context: PolicyContext<TMessage>): string {
    if (typeof this.stream === 'string') return this.stream;

    const key: unknown = this.stream(context);
    if (typeof key !== 'string' || key === '') throw new InvalidStreamKeyError(this.name, key);
    return key;
  }

  /**
   * Selects the partition of `streamKey` with the policy's router. With `preview`, a router that
   * has `previewPartition` returns its next partition without advancing its state.
   *
   * @throws RangeError when the router returns a value outside `[0, partitions)`.
   */
  selectPartition(streamKey: string, context: PolicyContext<TMessage>, preview = false): number {
    const router = this.partitionRouter;
    const partition =
      preview && router.previewPartition !== undefined
        ? router.previewPartition(streamKey, this.partitions, context)
        : router.selectPartition(streamKey, this.partitions, context);

    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) {
      throw new RangeError(
        `Policy "${this.name}": partition router "${router.name}" returned ${String(partition)} for stream "${streamKey}"; ` +
          `expected an integer from 0 to ${this.partitions - 1}. Fix the router's selectPartition.`,
      );
    }
    return partition;
  }
}
