import { createEnvelope, type PartitionRouter } from '@whizbang/observability';
import { HashPartitionRouter, JumpHashPartitionRouter, RoundRobinPartitionRouter } from '@whizbang/partitioning';
import { InMemorySequenceProvider } from '@whizbang/sequencing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  createPolicies,
  DecisionReasons,
  InvalidStreamKeyError,
  NoMatchingPolicyError,
  type PolicyEngine,
} from '../src/index.js';

interface TestMessage {
  readonly type: string;
  readonly aggregateType?: string;
  readonly aggregateId?: string;
}

function ordersEngine(): PolicyEngine<TestMessage> {
  return createPolicies<TestMessage>()
    .when('orders', (ctx) => ctx.matchesAggregate('Order'))
    .then((cfg) =>
      cfg
        .useTopic('orders')
        .useStream((ctx) => `order-${ctx.getAggregateId()}`)
        .withPartitions(4)
        .usePartitionRouter(new HashPartitionRouter()),
    )
    .when('projections', (ctx) => ctx.message.type.endsWith('Projected'))
    .then((cfg) =>
      cfg.useTopic('projections').useStream('projections-shared').useStrategy('parallel').withConcurrency(20).withPartitions(8).usePartitionRouter(new RoundRobinPartitionRouter()),
    )
    .build({ environment: 'test' });
}

function evaluate(engine: PolicyEngine<TestMessage>, message: TestMessage) {
  const envelope = createEnvelope(message);
  return { envelope, match: engine.evaluate(engine.createContext(envelope)) };
}

describe('PolicyEngine.evaluate', () => {
  it('routes by the first matching policy', () => {
    const engine = ordersEngine();
    const { envelope, match } = evaluate(engine, { type: 'OrderPlaced', aggregateType: 'Order', aggregateId: '42' });

    expect(match.policy.name).toBe('orders');
    expect(match.streamKey).toBe('order-42');
    expect(match.partitionIndex).toBe(new HashPartitionRouter().selectPartition('order-42', 4));
    expect(match.context.envelope).toBe(envelope);
    expect(envelope.policyTrail.decisions).toHaveLength(1);
  });

  it('records misses before the match', () => {
    const engine = ordersEngine();
    const { envelope } = evaluate(engine, { type: 'OrderProjected' });

    const decisions = envelope.policyTrail.decisions;
    expect(decisions.map((decision) => [decision.policyName, decision.matched, decision.reason])).toEqual([
      ['orders', false, DecisionReasons.notMatched],
      ['projections', true, DecisionReasons.matched],
    ]);
    expect(decisions[0]?.rule).toMatch(/^\(ctx\) => ctx\.matchesAggregate\(["']Order["']\)$/);
    expect(decisions[0]?.configuration).toBe(engine.policies[0]?.summary);
    expect(decisions[1]?.configuration).toEqual({
      topic: 'projections',
      stream: 'projections-shared',
      strategy: 'parallel',
      concurrency: 20,
      partitions: 8,
      partitionRouter: 'round-robin',
      sequenceProvider: 'in-memory',
      bulkhead: null,
      timeoutMs: null,
      streamKey: 'projections-shared',
      partitionIndex: 0,
    });
  });

  it('shares one frozen configuration across misses', () => {
    const engine = ordersEngine();
    const first = evaluate(engine, { type: 'AProjected' }).envelope.policyTrail.decisions[0];
    const second = evaluate(engine, { type: 'BProjected' }).envelope.policyTrail.decisions[0];

    expect(first?.configuration).toBe(second?.configuration);
    expect(first?.reason).toBe(second?.reason);
  });

  it('throws NoMatchingPolicyError listing evaluated policies', () => {
    const engine = ordersEngine();
    const envelope = createEnvelope<TestMessage>({ type: 'Unknown' });

    expect(() => engine.evaluate(engine.createContext(envelope))).toThrow(NoMatchingPolicyError);
    expect(() => engine.evaluate(engine.createContext(createEnvelope<TestMessage>({ type: 'Unknown' })))).toThrow(
      'No policy matched message type "Unknown". Policies evaluated: "orders", "projections".',
    );
    expect(envelope.policyTrail.decisions.every((decision) => !decision.matched)).toBe(true);
  });

  it('names an empty policy set in the error', () => {
    const engine = createPolicies().build();
    const error = (() => {
      try {
        engine.evaluate(engine.createContext(createEnvelope({ type: 'X' })));
      } catch (caught) {
        return caught as NoMatchingPolicyError;
      }
      return undefined;
    })();
    expect(error?.evaluatedPolicies).toEqual([]);
    expect(error?.message).toMatch(/Policies evaluated: none \(no policy is registered\)/);
  });

  it('applies the default policy when nothing matches', () => {
    const engine = createPolicies<TestMessage>()
      .when('orders', (ctx) => ctx.matchesAggregate('Order'))
      .then((cfg) => cfg.useTopic('orders'))
      .otherwise((cfg) => cfg.useTopic('unrouted'))
      .build();

    const { envelope, match } = evaluate(engine, { type: 'Other' });
    expect(match.policy.name).toBe('default');
    expect(match.policy.isDefault).toBe(true);
    expect(match.streamKey).toBe('unrouted');
    expect(envelope.policyTrail.decisions.map((decision) => [decision.policyName, decision.matched, decision.reason])).toEqual([
      ['orders', false, DecisionReasons.notMatched],
      ['default', true, DecisionReasons.defaultApplied],
    ]);
  });

  it('records a throwing predicate and moves on', () => {
    const engine = createPolicies<TestMessage>()
      .when('fragile', () => {
        throw new RangeError('bad data');
      })
      .then((cfg) => cfg.useTopic('never'))
      .when('async', (async () => true) as never)
      .then((cfg) => cfg.useTopic('never-either'))
      .when('fallback', () => true)
      .then((cfg) => cfg.useTopic('fallback'))
      .build();

    const { envelope, match } = evaluate(engine, { type: 'X' });
    expect(match.policy.name).toBe('fallback');

    const [fragile, asyncPolicy] = envelope.policyTrail.decisions;
    expect(fragile?.matched).toBe(false);
    expect(fragile?.reason).toBe(`${DecisionReasons.threwPrefix}RangeError: bad data`);
    expect(fragile?.configuration).toMatchObject({ topic: 'never', error: 'RangeError: bad data' });
    expect(asyncPolicy?.matched).toBe(false);
    expect(asyncPolicy?.reason).toBe(DecisionReasons.returnedPromise);
  });

  it('treats non-Error throws as no match', () => {
    const engine = createPolicies()
      .when('odd', () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a predicate may throw any value
        throw 'plain text';
      })
      .then((cfg) => cfg.useTopic('odd'))
      .otherwise((cfg) => cfg.useTopic('rest'))
      .build();

    const { envelope } = evaluate(engine as never, { type: 'X' });
    expect(envelope.policyTrail.decisions[0]?.reason).toBe(`${DecisionReasons.threwPrefix}plain text`);
  });

  it('rejects an invalid stream key and records it', () => {
    const engine = createPolicies<TestMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => ctx.message.aggregateId as string))
      .build();
    const envelope = createEnvelope<TestMessage>({ type: 'OrderPlaced' });

    expect(() => engine.evaluate(engine.createContext(envelope))).toThrow(InvalidStreamKeyError);
    expect(() => engine.evaluate(engine.createContext(createEnvelope<TestMessage>({ type: 'OrderPlaced' })))).toThrow(
      'Policy "orders": the stream key selector returned undefined; it must return a non-empty string',
    );
    const [decision] = envelope.policyTrail.decisions;
    expect(decision?.matched).toBe(true);
    expect(decision?.reason).toMatch(/^predicate returned true, but routing failed: InvalidStreamKeyError/);
  });

  it('rejects a router result out of range', () => {
    const broken: PartitionRouter = { name: 'broken', selectPartition: () => 9 };
    const engine = createPolicies()
      .when('p', () => true)
      .then((cfg) => cfg.useTopic('t').withPartitions(4).usePartitionRouter(broken))
      .build();

    expect(() => engine.evaluate(engine.createContext(createEnvelope({})))).toThrow(
      'Policy "p": partition router "broken" returned 9 for stream "t"; expected an integer from 0 to 3.',
    );
  });

  it('passes the context to routers and selectors', () => {
    const seen: unknown[] = [];
    const router: PartitionRouter = {
      name: 'spy',
      selectPartition: (key, count, context) => {
        seen.push([key, count, context?.getMetadata('tenant')]);
        return 1;
      },
    };
    const engine = createPolicies()
      .when('p', () => true)
      .then((cfg) => cfg.useTopic('t').useStream((ctx) => `tenant-${String(ctx.getMetadata('tenant'))}`).withPartitions(2).usePartitionRouter(router))
      .build();

    const envelope = createEnvelope({}, { metadata: { tenant: 'acme' } });
    engine.evaluate(engine.createContext(envelope));
    expect(seen).toEqual([['tenant-acme', 2, 'acme']]);
  });

  it('matches the first policy in registration order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), fc.boolean(), (answers, withDefault) => {
        const policies = createPolicies();
        answers.forEach((answer, index) => {
          policies.when(`p${index}`, () => answer).then((cfg) => cfg.useTopic(`topic-${index}`));
        });
        if (withDefault) policies.otherwise((cfg) => cfg.useTopic('default-topic'));
        const engine = policies.build();

        const firstMatch = answers.indexOf(true);
        const envelope = createEnvelope({});
        const context = engine.createContext(envelope);
        if (firstMatch === -1 && !withDefault) {
          expect(() => engine.evaluate(context)).toThrow(NoMatchingPolicyError);
          expect(envelope.policyTrail.decisions).toHaveLength(answers.length);
          return;
        }

        const match = engine.evaluate(context);
        const expectedTopic = firstMatch === -1 ? 'default-topic' : `topic-${firstMatch}`;
        expect(match.policy.topic).toBe(expectedTopic);

        const decisions = envelope.policyTrail.decisions;
        expect(decisions).toHaveLength(firstMatch === -1 ? answers.length + 1 : firstMatch + 1);
        expect(decisions.filter((decision) => decision.matched)).toHaveLength(1);
        expect(decisions.at(-1)?.matched).toBe(true);
      }),
    );
  });
});

describe('PolicyEngine.route', () => {
  it('assigns sequence numbers and routing', async () => {
    const provider = new InMemorySequenceProvider();
    const engine = createPolicies<TestMessage>()
      .when('orders', (ctx) => ctx.matchesAggregate('Order'))
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).withPartitions(4).useSequenceProvider(provider))
      .build();

    const first = createEnvelope<TestMessage>({ type: 'OrderPlaced', aggregateType: 'Order', aggregateId: '7' });
    const second = createEnvelope<TestMessage>({ type: 'OrderShipped', aggregateType: 'Order', aggregateId: '7' });
    const routedFirst = await engine.route(first);
    const routedSecond = await engine.route(second);

    expect(routedFirst.sequenceNumber).toBe(1);
    expect(routedSecond.sequenceNumber).toBe(2);
    expect(first.topic).toBe('orders');
    expect(first.streamKey).toBe('order-7');
    expect(first.partitionIndex).toBe(routedFirst.partitionIndex);
    expect(second.sequenceNumber).toBe(2);
  });

  it('exposes environment and services to predicates', () => {
    const engine = createPolicies()
      .when('prod-only', (ctx) => ctx.environment === 'production' && ctx.getService<boolean>('enabled'))
      .then((cfg) => cfg.useTopic('prod'))
      .otherwise((cfg) => cfg.useTopic('other'))
      .build({ environment: 'production', services: { enabled: true } });

    expect(engine.environment).toBe('production');
    expect(engine.evaluate(engine.createContext(createEnvelope({}))).policy.topic).toBe('prod');
  });
});

describe('partition of a repeated stream key', () => {
  function keyedEngine(router: PartitionRouter): PolicyEngine<TestMessage> {
    return createPolicies<TestMessage>()
      .when('orders', () => true)
      .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.message.aggregateId}`).withPartitions(8).usePartitionRouter(router))
      .build();
  }

  it('matches the hash routers for every key', () => {
    for (const router of [new HashPartitionRouter(), new JumpHashPartitionRouter()]) {
      const engine = keyedEngine(router);

      for (const id of ['1', '1', '2', '1', '3', '3', '12']) {
        const { match } = evaluate(engine, { type: 'X', aggregateId: id });
        expect(match.partitionIndex).toBe(router.selectPartition(`order-${id}`, 8));
      }
    }
  });

  it('calls a hash router subclass that overrides selectPartition every time', () => {
    class CountingRouter extends HashPartitionRouter {
      calls = 0;

      override selectPartition(streamKey: string, partitionCount: number): number {
        this.calls += 1;
        return super.selectPartition(streamKey, partitionCount);
      }
    }
    const router = new CountingRouter();
    const engine = keyedEngine(router);

    for (let call = 0; call < 3; call++) evaluate(engine, { type: 'X', aggregateId: '7' });

    expect(router.calls).toBe(3);
  });
});
