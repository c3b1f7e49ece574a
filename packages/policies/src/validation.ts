import type { PartitionRouter, PolicyContext, SequenceProvider } from '@whizbang/observability';
import { HashPartitionRouter } from '@whizbang/partitioning';
import { InMemorySequenceProvider } from '@whizbang/sequencing';

import type { BulkheadLimits, PolicyConfigBuilder } from './configuration-builder.js';
import { describeValue, PolicyConfigurationError } from './errors.js';
import { ResolvedPolicy, type BulkheadSettings } from './policy.js';
import type { PolicyEngineOptions } from './policy-engine.js';
import { DEFAULT_PARALLEL_CONCURRENCY, resolveStrategy } from './strategy.js';

/** A `when(...)` or `otherwise(...)` call as recorded by the policy set. */
export interface PolicyRegistration<TMessage> {
  readonly name: unknown;
  readonly predicate: unknown;

  /** 1-based registration position; 0 for the default policy. */
  readonly position: number;
  config: PolicyConfigBuilder<TMessage> | undefined;
}

/** Validated policies and their engine-wide defaults. */
export interface ResolvedPolicies<TMessage> {
  readonly policies: readonly ResolvedPolicy<TMessage>[];
  readonly defaultPolicy: ResolvedPolicy<TMessage> | undefined;
}

/** Largest delay `setTimeout` accepts (2^31 - 1 ms); larger values fire after 1 ms in Node.js. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

const MAX_RULE_LENGTH = 200;

/**
 * Validates every registration and resolves its defaults.
 *
 * @throws PolicyConfigurationError with every problem found.
 */
export function resolvePolicies<TMessage>(
  registrations: readonly PolicyRegistration<TMessage>[],
  fallback: PolicyRegistration<TMessage> | undefined,
  earlierProblems: readonly string[],
  options: PolicyEngineOptions,
): ResolvedPolicies<TMessage> {
  const errors: string[] = [...validateEngineOptions(options), ...earlierProblems];
  const defaultRouter = options.partitionRouter ?? new HashPartitionRouter();
  const defaultProvider = options.sequenceProvider ?? new InMemorySequenceProvider();

  const firstPositionByName = new Map<string, number>();
  const policies: ResolvedPolicy<TMessage>[] = [];
  for (const registration of registrations) {
    const label = policyLabel(registration);
    if (typeof registration.name !== 'string' || registration.name.trim() === '') {
      errors.push(`${label}: invalid name ${describeValue(registration.name)}. Pass a non-empty string as the first argument of when().`);
    } else {
      const first = firstPositionByName.get(registration.name);
      if (first !== undefined) {
        errors.push(
          `Duplicate policy name "${registration.name}": policies #${first} and #${registration.position} share it. Give each policy a unique name.`,
        );
      } else {
        firstPositionByName.set(registration.name, registration.position);
      }
    }
    if (typeof registration.predicate !== 'function') {
      errors.push(`${label}: invalid predicate ${describeValue(registration.predicate)}. Pass a function such as (ctx) => ctx.matchesAggregate('Order').`);
    }

    const policy = resolveOne(registration, label, errors, defaultRouter, defaultProvider);
    if (policy !== undefined) policies.push(policy);
  }

  let defaultPolicy: ResolvedPolicy<TMessage> | undefined;
  if (fallback !== undefined) {
    if (firstPositionByName.has(fallback.name as string)) {
      errors.push(`Policy name "${String(fallback.name)}" is reserved for the policy set with otherwise(). Rename the policy passed to when().`);
    }
    defaultPolicy = resolveOne(fallback, `Default policy "${String(fallback.name)}"`, errors, defaultRouter, defaultProvider);
  }

  const all = defaultPolicy === undefined ? policies : [...policies, defaultPolicy];
  errors.push(...checkSharedTopics(all), ...checkSharedBulkheads(all));

  if (errors.length > 0) throw new PolicyConfigurationError(errors);
  return { policies, defaultPolicy };
}

/**
 * Policies that route to the same topic share its lanes (one per partition), so they must
 * agree on everything a lane is built from.
 */
function checkSharedTopics<TMessage>(policies: readonly ResolvedPolicy<TMessage>[]): string[] {
  const errors: string[] = [];
  const firstByTopic = new Map<string, ResolvedPolicy<TMessage>>();
  for (const policy of policies) {
    const first = firstByTopic.get(policy.topic);
    if (first === undefined) {
      firstByTopic.set(policy.topic, policy);
      continue;
    }

    const differences: string[] = [];
    if (first.partitions !== policy.partitions) differences.push(`partitions (${first.partitions} vs ${policy.partitions})`);
    if (first.strategy.name !== policy.strategy.name) differences.push(`strategy (${first.strategy.name} vs ${policy.strategy.name})`);
    if (first.concurrency !== policy.concurrency) differences.push(`concurrency (${first.concurrency} vs ${policy.concurrency})`);
    if (first.timeoutMs !== policy.timeoutMs) differences.push(`timeout (${String(first.timeoutMs)} vs ${String(policy.timeoutMs)})`);
    if (differences.length > 0) {
      errors.push(
        `Policies "${first.name}" and "${policy.name}" share topic "${policy.topic}" but differ in ${differences.join(', ')}. ` +
          'Policies that share a topic share its lanes, so give them the same partitions, strategy, concurrency and timeout, or use different topics.',
      );
    }
  }
  return errors;
}

/** A bulkhead name denotes one shared bulkhead, so every policy that uses it must give the same limits. */
function checkSharedBulkheads<TMessage>(policies: readonly ResolvedPolicy<TMessage>[]): string[] {
  const errors: string[] = [];
  const firstByName = new Map<string, ResolvedPolicy<TMessage>>();
  for (const policy of policies) {
    const bulkhead = policy.bulkhead;
    if (bulkhead === undefined) continue;

    const first = firstByName.get(bulkhead.name);
    if (first === undefined) {
      firstByName.set(bulkhead.name, policy);
      continue;
    }
    const other = first.bulkhead as BulkheadSettings;
    if (other.maxConcurrency !== bulkhead.maxConcurrency || other.maxQueue !== bulkhead.maxQueue) {
      errors.push(
        `Policies "${first.name}" and "${policy.name}" use bulkhead "${bulkhead.name}" with different limits ` +
          `(maxConcurrency ${other.maxConcurrency}/${bulkhead.maxConcurrency}, maxQueue ${other.maxQueue}/${bulkhead.maxQueue}). ` +
          'A bulkhead name denotes one shared bulkhead: use the same limits or a different name.',
      );
    }
  }
  return errors;
}

function policyLabel<TMessage>(registration: PolicyRegistration<TMessage>): string {
  return typeof registration.name === 'string' && registration.name.trim() !== ''
    ? `Policy "${registration.name}"`
    : `Policy #${registration.position}`;
}

function resolveOne<TMessage>(
  registration: PolicyRegistration<TMessage>,
  label: string,
  errors: string[],
  defaultRouter: PartitionRouter,
  defaultProvider: SequenceProvider,
): ResolvedPolicy<TMessage> | undefined {
  const config = registration.config;
  if (config === undefined) {
    errors.push(`${label} has no configuration. Complete it with .then((cfg) => cfg.useTopic('name')).`);
    return undefined;
  }

  const draft = config.draft;
  const before = errors.length;
  errors.push(...draft.problems);

  const topic = draft.topic;
  if (!('topic' in draft)) {
    errors.push(`${label} has no topic. Call cfg.useTopic('name') in its then() callback.`);
  } else if (typeof topic !== 'string' || topic.trim() === '') {
    errors.push(`${label}: useTopic(${describeValue(topic)}) is invalid. Pass a non-empty string.`);
  }

  const stream = 'stream' in draft ? draft.stream : topic;
  if ('stream' in draft && !((typeof stream === 'string' && stream !== '') || typeof stream === 'function')) {
    errors.push(`${label}: useStream(${describeValue(stream)}) is invalid. Pass a non-empty string or a function (ctx) => string.`);
  }

  const strategy = resolveStrategy(draft.strategy ?? 'serial', label, errors);

  const partitions = draft.partitions ?? 1;
  if (!isPositiveInteger(partitions)) {
    errors.push(`${label}: withPartitions(${describeValue(partitions)}) is invalid. Partitions must be a positive integer such as 4.`);
  }

  let concurrency = draft.concurrency ?? (strategy?.ordered === false ? DEFAULT_PARALLEL_CONCURRENCY : 1);
  if (!isPositiveInteger(concurrency)) {
    errors.push(`${label}: withConcurrency(${describeValue(concurrency)}) is invalid. Concurrency must be a positive integer such as 10.`);
  } else if (strategy?.ordered === true && concurrency > 1) {
    errors.push(
      `${label}: the ${strategy.name} strategy runs one message at a time, so withConcurrency(${concurrency}) conflicts with it. ` +
        "Remove withConcurrency or use useStrategy('parallel').",
    );
  }
  if (strategy?.ordered === true) concurrency = 1;

  const router = draft.partitionRouter ?? defaultRouter;
  if (!isPartitionRouter(router)) {
    errors.push(
      `${label}: usePartitionRouter(${describeValue(router)}) is not a partition router. ` +
        'Pass an object with a name and a selectPartition(streamKey, partitionCount, context) method, such as new HashPartitionRouter().',
    );
  }

  const provider = draft.sequenceProvider ?? defaultProvider;
  if (!isSequenceProvider(provider)) {
    errors.push(
      `${label}: useSequenceProvider(${describeValue(provider)}) is not a sequence provider. ` +
        'Pass an object with a name and getNext, getCurrent and reset methods, such as new InMemorySequenceProvider().',
    );
  }

  const bulkhead = draft.bulkhead === undefined ? undefined : validateBulkhead(draft.bulkhead.name, draft.bulkhead.limits, label, errors);

  const timeoutMs = draft.timeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
    errors.push(
      `${label}: useTimeout(${describeValue(timeoutMs)}) is invalid. Pass a timeout in milliseconds greater than 0 and at most ${MAX_TIMEOUT_MS}.`,
    );
  }

  if (errors.length > before || strategy === undefined) return undefined;

  return new ResolvedPolicy<TMessage>({
    name: registration.name as string,
    rule: registration.predicate === undefined ? 'no other policy matched' : ruleText(registration.predicate),
    isDefault: registration.predicate === undefined,
    predicate: registration.predicate as ((context: PolicyContext<TMessage>) => unknown) | undefined,
    topic: topic as string,
    stream: stream as string | ((context: PolicyContext<TMessage>) => string),
    strategy,
    concurrency: concurrency as number,
    partitions: partitions as number,
    partitionRouter: router as PartitionRouter,
    sequenceProvider: provider as SequenceProvider,
    bulkhead,
    timeoutMs: timeoutMs as number | undefined,
  });
}

function validateBulkhead(name: unknown, limits: unknown, label: string, errors: string[]): BulkheadSettings | undefined {
  const before = errors.length;
  if (typeof name !== 'string' || name.trim() === '') {
    errors.push(`${label}: useBulkhead name ${describeValue(name)} is invalid. Pass a non-empty string such as 'order-processing'.`);
  }
  if (typeof limits !== 'object' || limits === null) {
    errors.push(`${label}: useBulkhead limits ${describeValue(limits)} are invalid. Pass { maxConcurrency: 10, maxQueue: 50 }.`);
    return undefined;
  }

  const { maxConcurrency, maxQueue = 0 } = limits as Partial<BulkheadLimits>;
  if (!isPositiveInteger(maxConcurrency)) {
    errors.push(`${label}: useBulkhead maxConcurrency ${describeValue(maxConcurrency)} is invalid. Pass a positive integer such as 10.`);
  }
  if (!(Number.isInteger(maxQueue) && maxQueue >= 0)) {
    errors.push(`${label}: useBulkhead maxQueue ${describeValue(maxQueue)} is invalid. Pass a non-negative integer such as 50 (0 rejects when all slots are busy).`);
  }
  if (errors.length > before) return undefined;
  return { name: name as string, maxConcurrency: maxConcurrency as number, maxQueue };
}

const ENGINE_OPTIONS = ['environment', 'services', 'clock', 'partitionRouter', 'sequenceProvider', 'recordDecisions'] as const;

// Fails to compile when PolicyEngineOptions gains an option this list lacks.
const _everyEngineOptionListed: Exclude<keyof PolicyEngineOptions, (typeof ENGINE_OPTIONS)[number]> extends never ? true : never = true;

const ENGINE_OPTION_NAMES: readonly string[] = ENGINE_OPTIONS;

/** Levenshtein distance of two short strings, for suggesting the option a typo meant. */
function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = (previous[column - 1] as number) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[column] as number) + 1, (current[column - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[right.length] as number;
}

function validateEngineOptions(options: PolicyEngineOptions): string[] {
  const errors: string[] = [];
  if (typeof options !== 'object' || options === null) {
    return [`Invalid build() options: ${describeValue(options)}. Pass an object or nothing.`];
  }
  for (const key of Object.keys(options)) {
    if (ENGINE_OPTION_NAMES.includes(key)) continue;

    // A misspelt option would otherwise be ignored silently and its default used.
    const suggestion = ENGINE_OPTION_NAMES.find((name) => editDistance(name.toLowerCase(), key.toLowerCase()) <= 2);
    errors.push(
      `Unknown build() option "${key}".${suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`} Known options: ${ENGINE_OPTION_NAMES.join(', ')}.`,
    );
  }
  if (options.environment !== undefined && (typeof options.environment !== 'string' || options.environment === '')) {
    errors.push(`Invalid environment option ${describeValue(options.environment)}. Pass a non-empty string such as 'production'.`);
  }
  if (options.clock !== undefined && typeof (options.clock as { now?: unknown }).now !== 'function') {
    errors.push(`Invalid clock option ${describeValue(options.clock)}. Pass an object with a now() method that returns epoch milliseconds.`);
  }
  if (options.partitionRouter !== undefined && !isPartitionRouter(options.partitionRouter)) {
    errors.push(`Invalid partitionRouter option ${describeValue(options.partitionRouter)}: it has no name or selectPartition method.`);
  }
  if (options.sequenceProvider !== undefined && !isSequenceProvider(options.sequenceProvider)) {
    errors.push(`Invalid sequenceProvider option ${describeValue(options.sequenceProvider)}: it lacks a name or a getNext, getCurrent or reset method.`);
  }
  if (options.recordDecisions !== undefined && typeof options.recordDecisions !== 'boolean') {
    errors.push(
      `Invalid recordDecisions option ${describeValue(options.recordDecisions)}. Pass true to record every decision in the trail (the default) or false to record none.`,
    );
  }
  return errors;
}

function ruleText(predicate: unknown): string {
  const text = Function.prototype.toString.call(predicate).replace(/\s+/g, ' ').trim();
  return text.length <= MAX_RULE_LENGTH ? text : `${text.slice(0, MAX_RULE_LENGTH - 1)}…`;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Returns true when `value` has the shape of a {@link PartitionRouter}. */
export function isPartitionRouter(value: unknown): value is PartitionRouter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PartitionRouter).name === 'string' &&
    typeof (value as PartitionRouter).selectPartition === 'function'
  );
}

/** Returns true when `value` has the shape of a {@link SequenceProvider}. */
export function isSequenceProvider(value: unknown): value is SequenceProvider {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SequenceProvider).name === 'string' &&
    typeof (value as SequenceProvider).getNext === 'function' &&
    typeof (value as SequenceProvider).getCurrent === 'function' &&
    typeof (value as SequenceProvider).reset === 'function'
  );
}
