import { ParallelExecutor, SerialExecutor, type ExecutionStrategy } from '@whizbang/execution';
import { describe, expect, it, vi } from 'vitest';

import { createPolicies, type LaneStrategyOptions, type StrategySpec } from '../src/index.js';

function strategyOf(spec: StrategySpec, concurrency?: number) {
  const engine = createPolicies()
    .when('p', () => true)
    .then((cfg) => {
      cfg.useTopic('t').useStrategy(spec);
      if (concurrency !== undefined) cfg.withConcurrency(concurrency);
    })
    .build();
  return engine.policies[0]?.strategy;
}

const laneOptions: LaneStrategyOptions = { bulkheadName: 't#0', maxConcurrency: 3, recordHops: false, autoStart: true };

describe('strategies', () => {
  it.each([
    ['serial', true, SerialExecutor],
    [SerialExecutor, true, SerialExecutor],
    ['parallel', false, ParallelExecutor],
    [ParallelExecutor, false, ParallelExecutor],
  ] as const)('resolves %s', async (spec, ordered, type) => {
    const strategy = strategyOf(spec);
    expect(strategy?.ordered).toBe(ordered);

    const instance = strategy?.create(laneOptions);
    expect(instance).toBeInstanceOf(type);
    expect(instance?.name).toBe(ordered ? 'serial' : 'parallel');
    await instance?.stop();
  });

  it('creates a custom class with the lane options', async () => {
    const seen: LaneStrategyOptions[] = [];
    class AuditedExecutor extends ParallelExecutor {
      constructor(options: LaneStrategyOptions) {
        super(options);
        seen.push(options);
      }
    }

    const strategy = strategyOf(AuditedExecutor, 3);
    expect(strategy?.name).toBe('AuditedExecutor');
    expect(strategy?.ordered).toBe(false);
    const instance = strategy?.create(laneOptions);
    expect(instance).toBeInstanceOf(AuditedExecutor);
    expect(seen).toEqual([laneOptions]);
    await instance?.stop();
  });

  it('calls a factory for each lane', async () => {
    const factory = vi.fn((options: LaneStrategyOptions): ExecutionStrategy => new ParallelExecutor(options));
    const strategy = strategyOf(factory);
    expect(factory).not.toHaveBeenCalled();

    const first = strategy?.create(laneOptions);
    const second = strategy?.create({ ...laneOptions, bulkheadName: 't#1' });
    expect(first).not.toBe(second);
    expect(factory).toHaveBeenCalledTimes(2);
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it('rejects what a factory returns when it is no strategy', () => {
    const strategy = strategyOf(() => ({ execute: () => Promise.resolve() }) as unknown as ExecutionStrategy);
    expect(strategy?.name).toBe('custom');
    expect(() => strategy?.create(laneOptions)).toThrow(
      'Policy "p": strategy custom created an object, which is not an execution strategy (missing start, stop, drain).',
    );

    const named = strategyOf(function makeNothing() {
      return undefined as unknown as ExecutionStrategy;
    });
    expect(() => named?.create(laneOptions)).toThrow(/strategy makeNothing created undefined, which is not an execution strategy \(missing execute, start, stop, drain\)/);
  });
});
