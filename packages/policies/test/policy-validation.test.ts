import { InMemorySequenceProvider } from '@whizbang/sequencing';
import { HashPartitionRouter } from '@whizbang/partitioning';
import { SerialExecutor } from '@whizbang/execution';
import { describe, expect, it } from 'vitest';

import { createPolicies, PolicyConfigurationError, type PolicySet } from '../src/index.js';

function buildErrors(policies: PolicySet<unknown>, options?: Parameters<PolicySet<unknown>['build']>[0]): readonly string[] {
  try {
    policies.build(options);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyConfigurationError);
    return (error as PolicyConfigurationError).errors;
  }
  throw new Error('build() succeeded, but a PolicyConfigurationError was expected');
}

const always = () => true;

describe('build validation', () => {
  it('accepts a complete configuration', () => {
    const engine = createPolicies()
      .when('orders', always)
      .then((cfg) =>
        cfg
          .useTopic('orders')
          .useStream((ctx) => `order-${ctx.getAggregateId()}`)
          .useStrategy('serial')
          .withPartitions(4)
          .usePartitionRouter(new HashPartitionRouter())
          .useSequenceProvider(new InMemorySequenceProvider())
          .useBulkhead('order-processing', { maxConcurrency: 10, maxQueue: 50 })
          .useTimeout(30_000),
      )
      .build();

    const [policy] = engine.policies;
    expect(policy?.name).toBe('orders');
    expect(policy?.summary).toEqual({
      topic: 'orders',
      stream: '[Function anonymous]',
      strategy: 'serial',
      concurrency: 1,
      partitions: 4,
      partitionRouter: 'hash',
      sequenceProvider: 'in-memory',
      bulkhead: { name: 'order-processing', maxConcurrency: 10, maxQueue: 50 },
      timeoutMs: 30_000,
    });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy?.summary)).toBe(true);
    expect(Object.isFrozen(engine.policies)).toBe(true);
  });

  it('resolves defaults', () => {
    const engine = createPolicies()
      .when('misc', always)
      .then((cfg) => cfg.useTopic('misc'))
      .when('views', always)
      .then((cfg) => cfg.useTopic('views').useStrategy('parallel'))
      .build();

    const [misc, views] = engine.policies;
    expect(misc?.summary).toMatchObject({ stream: 'misc', strategy: 'serial', concurrency: 1, partitions: 1, bulkhead: null, timeoutMs: null });
    expect(misc?.strategy.ordered).toBe(true);
    expect(views?.summary).toMatchObject({ strategy: 'parallel', concurrency: 10 });
    expect(views?.strategy.ordered).toBe(false);
    expect(misc?.sequenceProvider).toBe(views?.sequenceProvider);
  });

  it('collects every error in one throw', () => {
    const policies = createPolicies()
      .when('no-topic', always)
      .then((cfg) => cfg.withPartitions(2))
      .when('bad-partitions', always)
      .then((cfg) => cfg.useTopic('a').withPartitions(0))
      .when('serial-concurrency', always)
      .then((cfg) => cfg.useTopic('b').useStrategy('serial').withConcurrency(4))
      .when('no-topic', always)
      .then((cfg) => cfg.useTopic('c'))
      .when('bad-router', always)
      .then((cfg) => cfg.useTopic('d').usePartitionRouter({ name: 'broken' } as never))
      .when('bad-provider', always)
      .then((cfg) => cfg.useTopic('e').useSequenceProvider({ getNext: () => 1 } as never))
      .when('bad-strategy', always)
      .then((cfg) => cfg.useTopic('f').useStrategy('seriall' as never))
      .when('bad-bulkhead', always)
      .then((cfg) => cfg.useTopic('g').useBulkhead('', { maxConcurrency: 0, maxQueue: -1 }))
      .when('bad-timeout', always)
      .then((cfg) => cfg.useTopic('h').useTimeout(-5));

    const errors = buildErrors(policies);

    expect(errors).toEqual([
      'Policy "no-topic" has no topic. Call cfg.useTopic(\'name\') in its then() callback.',
      'Policy "bad-partitions": withPartitions(0) is invalid. Partitions must be a positive integer such as 4.',
      'Policy "serial-concurrency": the serial strategy runs one message at a time, so withConcurrency(4) conflicts with it. ' +
        "Remove withConcurrency or use useStrategy('parallel').",
      'Duplicate policy name "no-topic": policies #1 and #4 share it. Give each policy a unique name.',
      expect.stringMatching(/^Policy "bad-router": usePartitionRouter\(an object\) is not a partition router/),
      expect.stringMatching(/^Policy "bad-provider": useSequenceProvider\(an object\) is not a sequence provider/),
      expect.stringMatching(/^Policy "bad-strategy": useStrategy\("seriall"\) is invalid. Pass 'serial', 'parallel'/),
      expect.stringMatching(/^Policy "bad-bulkhead": useBulkhead name "" is invalid/),
      expect.stringMatching(/^Policy "bad-bulkhead": useBulkhead maxConcurrency 0 is invalid/),
      expect.stringMatching(/^Policy "bad-bulkhead": useBulkhead maxQueue -1 is invalid/),
      expect.stringMatching(/^Policy "bad-timeout": useTimeout\(-5\) is invalid. Pass a timeout in milliseconds greater than 0 and at most 2147483647/),
    ]);
  });

  it('names the error count in the message', () => {
    const policies = createPolicies().when('x', always).then((cfg) => cfg.withPartitions(1.5));
    expect(() => policies.build()).toThrow(/Invalid policy configuration \(2 errors\):\n- Policy "x" has no topic/);
  });

  it.each([
    ['partitions', (cfg: Cfg) => cfg.withPartitions(Number.NaN), /withPartitions\(NaN\)/],
    ['partitions as text', (cfg: Cfg) => cfg.withPartitions('4' as never), /withPartitions\("4"\)/],
    ['concurrency', (cfg: Cfg) => cfg.useStrategy('parallel').withConcurrency(0), /withConcurrency\(0\) is invalid/],
    ['topic', (cfg: Cfg) => cfg.useTopic('  '), /useTopic\(" {2}"\) is invalid/],
    ['stream', (cfg: Cfg) => cfg.useTopic('t').useStream(''), /useStream\(""\) is invalid/],
    ['stream type', (cfg: Cfg) => cfg.useTopic('t').useStream(42 as never), /useStream\(42\) is invalid/],
    ['timeout too large', (cfg: Cfg) => cfg.useTopic('t').useTimeout(2 ** 31), /useTimeout\(2147483648\)/],
    ['timeout NaN', (cfg: Cfg) => cfg.useTopic('t').useTimeout(Number.NaN), /useTimeout\(NaN\)/],
    ['bulkhead limits', (cfg: Cfg) => cfg.useTopic('t').useBulkhead('b', null as never), /useBulkhead limits null are invalid/],
    ['bulkhead fraction', (cfg: Cfg) => cfg.useTopic('t').useBulkhead('b', { maxConcurrency: 1.5 }), /maxConcurrency 1.5 is invalid/],
    ['option twice', (cfg: Cfg) => cfg.useTopic('t').useTopic('u'), /useTopic was called more than once/],
    ['bulkhead twice', (cfg: Cfg) => cfg.useTopic('t').useBulkhead('a', { maxConcurrency: 1 }).useBulkhead('b', { maxConcurrency: 1 }), /useBulkhead was called more than once/],
    ['strategy instance', (cfg: Cfg) => cfg.useTopic('t').useStrategy(new SerialExecutor() as never), /looks like a strategy instance/],
    ['strategy class', (cfg: Cfg) => cfg.useTopic('t').useStrategy(HashPartitionRouter as never), /useStrategy\(HashPartitionRouter\) is not an execution strategy: the class has no execute, start, stop, drain method/],
    ['router class', (cfg: Cfg) => cfg.useTopic('t').usePartitionRouter(HashPartitionRouter as never), /usePartitionRouter\(a function \(HashPartitionRouter\)\) is not a partition router/],
  ])('reports invalid %s', (_label, configure, expected) => {
    const errors = buildErrors(createPolicies().when('p', always).then(configure));
    expect(errors.some((error) => expected.test(error)), errors.join('\n')).toBe(true);
  });

  it('reports registration mistakes', () => {
    const policies = createPolicies();
    policies.when('', always).then((cfg) => cfg.useTopic('a'));
    policies.when('no-predicate', undefined as never).then((cfg) => cfg.useTopic('b'));
    policies.when('unfinished', always);
    const twice = policies.when('twice', always);
    twice.then((cfg) => cfg.useTopic('c'));
    twice.then((cfg) => cfg.useTopic('d'));
    policies.when('throws', always).then(() => {
      throw new Error('boom');
    });
    policies.when('not-a-function', always).then(42 as never);

    const errors = buildErrors(policies);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Policy #1: invalid name ""/),
        expect.stringMatching(/^Policy "no-predicate": invalid predicate undefined/),
        expect.stringMatching(/^Policy "unfinished" has no configuration/),
        expect.stringMatching(/^Policy "twice": then\(\) was called more than once/),
        expect.stringMatching(/^Policy "throws": its configuration callback threw: boom/),
        expect.stringMatching(/^Policy "not-a-function": then\(\) needs a function/),
      ]),
    );
  });

  it.each(['build', 'when', 'otherwise'] as const)('names the missing then() when plain JavaScript calls %s() after when()', (method) => {
    // Plain JavaScript has no type check, so the object when() returns is used as if it were the set.
    const pending = createPolicies().when('x', always) as unknown as Record<string, (...args: unknown[]) => unknown>;
    let thrown: unknown;
    try {
      pending[method]?.('y', always);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(PolicyConfigurationError);
    expect((thrown as PolicyConfigurationError).errors).toEqual([
      `Policy "x" has no configuration: call .then((cfg) => cfg.useTopic('name')) after .when('x', predicate), before .${method}().`,
    ]);
  });

  it('keeps only then() visible on the object when() returns', () => {
    expect(Object.keys(createPolicies().when('x', always))).toEqual(['then']);
  });

  it('reports default policy mistakes', () => {
    const policies = createPolicies()
      .when('default', always)
      .then((cfg) => cfg.useTopic('a'))
      .otherwise((cfg) => cfg.withPartitions(2))
      .otherwise((cfg) => cfg.useTopic('b'));

    const errors = buildErrors(policies);
    expect(errors).toEqual(
      expect.arrayContaining([
        'otherwise() was called more than once. Set one default policy.',
        expect.stringMatching(/^Policy name "default" is reserved/),
        expect.stringMatching(/^Default policy "default" has no topic/),
      ]),
    );
  });

  it('validates build options', () => {
    const policies = createPolicies().when('p', always).then((cfg) => cfg.useTopic('t'));
    expect(buildErrors(policies, { environment: '' })).toEqual([expect.stringMatching(/^Invalid environment option ""/)]);
    expect(buildErrors(policies, { clock: {} as never })).toEqual([expect.stringMatching(/^Invalid clock option/)]);
    expect(buildErrors(policies, { partitionRouter: {} as never })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Invalid partitionRouter option/)]),
    );
    expect(buildErrors(policies, { sequenceProvider: {} as never })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Invalid sequenceProvider option/)]),
    );
    expect(buildErrors(policies, { recordDecisions: 'yes' as never })).toEqual([
      'Invalid recordDecisions option "yes". Pass true to record every decision in the trail (the default) or false to record none.',
    ]);
    expect(buildErrors(policies, 7 as never)).toEqual([expect.stringMatching(/^Invalid build\(\) options: 7/)]);
  });

  it('rejects unknown build options', () => {
    const policies = createPolicies().when('a', always).then((cfg) => cfg.useTopic('orders'));

    expect(buildErrors(policies, { recordDecision: false } as never)).toEqual([
      'Unknown build() option "recordDecision". Did you mean "recordDecisions"? Known options: environment, services, clock, partitionRouter, sequenceProvider, recordDecisions.',
    ]);
    expect(buildErrors(policies, { verbose: true } as never)).toEqual([
      'Unknown build() option "verbose". Known options: environment, services, clock, partitionRouter, sequenceProvider, recordDecisions.',
    ]);
  });

  it('requires policies sharing a topic to agree', () => {
    const policies = createPolicies()
      .when('a', always)
      .then((cfg) => cfg.useTopic('orders').withPartitions(4))
      .when('b', always)
      .then((cfg) => cfg.useTopic('orders').withPartitions(8).useStrategy('parallel').useTimeout(100));

    expect(buildErrors(policies)).toEqual([
      'Policies "a" and "b" share topic "orders" but differ in partitions (4 vs 8), strategy (serial vs parallel), concurrency (1 vs 10), timeout (undefined vs 100). ' +
        'Policies that share a topic share its lanes, so give them the same partitions, strategy, concurrency and timeout, or use different topics.',
    ]);
  });

  it('allows policies sharing a topic that agree', () => {
    const engine = createPolicies()
      .when('a', always)
      .then((cfg) => cfg.useTopic('orders').withPartitions(4).useStream('x'))
      .when('b', always)
      .then((cfg) => cfg.useTopic('orders').withPartitions(4).useStream('y'))
      .build();
    expect(engine.policies).toHaveLength(2);
  });

  it('requires one bulkhead name to have one set of limits', () => {
    const policies = createPolicies()
      .when('a', always)
      .then((cfg) => cfg.useTopic('a').useBulkhead('shared', { maxConcurrency: 10, maxQueue: 50 }))
      .when('b', always)
      .then((cfg) => cfg.useTopic('b').useBulkhead('shared', { maxConcurrency: 5, maxQueue: 50 }))
      .when('c', always)
      .then((cfg) => cfg.useTopic('c').useBulkhead('shared', { maxConcurrency: 10, maxQueue: 50 }));

    expect(buildErrors(policies)).toEqual([expect.stringMatching(/^Policies "a" and "b" use bulkhead "shared" with different limits \(maxConcurrency 10\/5, maxQueue 50\/50\)/)]);
  });

  it('freezes configuration at build time', () => {
    const policies = createPolicies().when('p', always).then((cfg) => cfg.useTopic('first'));
    const engine = policies.build();
    policies.when('q', always).then((cfg) => cfg.useTopic('second'));

    expect(engine.policies.map((policy) => policy.topic)).toEqual(['first']);
  });
});

type Cfg = Parameters<Parameters<ReturnType<PolicySet<unknown>['when']>['then']>[0]>[0];
