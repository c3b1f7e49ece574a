import { ParallelExecutor, SerialExecutor, type ExecutionStrategy, type HopRecorder } from '@whizbang/execution';
import type { Clock } from '@whizbang/observability';

import { describeValue } from './errors.js';

/**
 * Options a policy passes to the execution strategy of each lane it creates. They use the field
 * names of the built-in executors' options, so `new SerialExecutor(options)` and
 * `new ParallelExecutor(options)` accept them unchanged. A custom class or factory receives the
 * same object.
 */
export interface LaneStrategyOptions {
  /** Lane name, `"<topic>#<partition>"`, shown in the executor's errors and metrics. */
  readonly bulkheadName: string;

  /** Messages the lane runs at once (1 for serial strategies). */
  readonly maxConcurrency: number;

  /** Handler timeout in milliseconds, when the policy sets one. */
  readonly timeoutMs?: number;

  /** Whether the executor appends a hop to each envelope it runs (default true). */
  readonly recordHops?: boolean;

  /** Whether each hop captures the call site that dispatched the message (default true). */
  readonly captureCallers?: boolean;

  /** Wall clock of hop timestamps and metrics. */
  readonly clock?: Clock;

  /** Whether the executor starts on its first `execute()` (the stream registry sets true). */
  readonly autoStart?: boolean;

  /** Replaces the executor's hop recording; the dispatcher uses it to record the dispatch call site. */
  readonly hopRecorder?: HopRecorder;
}

/** An {@link ExecutionStrategy} class whose constructor takes {@link LaneStrategyOptions}. */
export type ExecutionStrategyClass = new (options: LaneStrategyOptions) => ExecutionStrategy;

/** A function that creates the {@link ExecutionStrategy} of one lane. */
export type ExecutionStrategyFactory = (options: LaneStrategyOptions) => ExecutionStrategy;

/**
 * Execution strategy of a policy: `'serial'` (one message at a time, in order), `'parallel'`
 * (up to the policy's concurrency at once), an {@link ExecutionStrategy} class such as
 * `SerialExecutor`, or a factory. Each lane of the policy gets its own instance.
 *
 * @example
 * ```ts
 * cfg.useStrategy('parallel').withConcurrency(20);
 * cfg.useStrategy(SerialExecutor);
 * cfg.useStrategy((options) => new ParallelExecutor({ ...options, maxQueue: 100 }));
 * ```
 */
export type StrategySpec = 'serial' | 'parallel' | ExecutionStrategyClass | ExecutionStrategyFactory;

/** Concurrency of a parallel policy that calls no `withConcurrency`. */
export const DEFAULT_PARALLEL_CONCURRENCY = 10;

/** A validated strategy: its name, its ordering and how to create one lane's instance. */
export interface ResolvedStrategy {
  /** `"serial"`, `"parallel"`, or the class or factory name. */
  readonly name: string;

  /**
   * True when the strategy runs one message at a time in acceptance order (serial). Lanes then
   * hand messages to it directly; otherwise they hold back a stream's next message until the
   * previous one settled.
   */
  readonly ordered: boolean;

  /**
   * Creates the strategy of one lane.
   *
   * @throws TypeError when a custom factory returns something that is not an execution strategy.
   */
  create(options: LaneStrategyOptions): ExecutionStrategy;
}

const STRATEGY_METHODS = ['execute', 'start', 'stop', 'drain'] as const;

/**
 * Validates a strategy specification. Problems are appended to `errors`.
 *
 * @returns the resolved strategy, or undefined when the specification is invalid.
 */
export function resolveStrategy(spec: unknown, label: string, errors: string[]): ResolvedStrategy | undefined {
  if (spec === 'serial' || spec === SerialExecutor) {
    return { name: 'serial', ordered: true, create: (options) => new SerialExecutor(options) };
  }
  if (spec === 'parallel' || spec === ParallelExecutor) {
    return { name: 'parallel', ordered: false, create: (options) => new ParallelExecutor(options) };
  }

  if (typeof spec !== 'function') {
    const hint =
      typeof spec === 'object' && spec !== null && typeof (spec as { execute?: unknown }).execute === 'function'
        ? ' It looks like a strategy instance: each lane needs its own, so pass its class or a factory.'
        : '';
    errors.push(
      `${label}: useStrategy(${describeValue(spec)}) is invalid. Pass 'serial', 'parallel', an ExecutionStrategy class or a factory function.${hint}`,
    );
    return undefined;
  }

  const name = spec.name === '' ? 'custom' : spec.name;
  if (isClass(spec)) {
    const prototype = (spec as { prototype?: Record<string, unknown> }).prototype ?? {};
    const missing = STRATEGY_METHODS.filter((method) => typeof prototype[method] !== 'function');
    if (missing.length > 0) {
      errors.push(
        `${label}: useStrategy(${name}) is not an execution strategy: the class has no ${missing.join(', ')} method. ` +
          'Pass a class that implements ExecutionStrategy, such as SerialExecutor.',
      );
      return undefined;
    }
    const StrategyClass = spec as ExecutionStrategyClass;
    return { name, ordered: false, create: (options) => checkStrategy(new StrategyClass(options), name, label) };
  }

  const factory = spec as ExecutionStrategyFactory;
  return { name, ordered: false, create: (options) => checkStrategy(factory(options), name, label) };
}

function isClass(value: unknown): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(value));
}

function checkStrategy(strategy: unknown, name: string, label: string): ExecutionStrategy {
  const missing =
    typeof strategy === 'object' && strategy !== null
      ? STRATEGY_METHODS.filter((method) => typeof (strategy as Record<string, unknown>)[method] !== 'function')
      : STRATEGY_METHODS;
  if (missing.length > 0) {
    throw new TypeError(
      `${label}: strategy ${name} created ${describeValue(strategy)}, which is not an execution strategy (missing ${missing.join(', ')}). ` +
        'Return an object that implements ExecutionStrategy, such as new ParallelExecutor(options).',
    );
  }
  return strategy as ExecutionStrategy;
}
