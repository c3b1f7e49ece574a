import { createEnvelope } from '@whizbang/observability';
import { HashPartitionRouter, RoundRobinPartitionRouter } from '@whizbang/partitioning';
import { InMemorySequenceProvider } from '@whizbang/sequencing';
import { describe, expect, it } from 'vitest';

import { createPolicies, NoMatchingPolicyError, type PolicyContext } from '../src/index.js';

interface Msg {
  readonly type: string;
  readonly aggregateType?: string;
  readonly aggregateId?: string;
}

function setup() {
  const orderSequences = new InMemorySequenceProvider();
  const viewSequences = new InMemorySequenceProvider();
  const roundRobin = new RoundRobinPartitionRouter();
  const engine = createPolicies<Msg>()
    .when('orders', (ctx) => ctx.matchesAggregate('Order'))
    .then((cfg) =>
      cfg
        .useTopic('orders')
        .useStream((ctx) => `order-${ctx.getAggregateId()}`)
        .withPartitions(4)
        .usePartitionRouter(new HashPartitionRouter())
        .useSequenceProvider(orderSequences)
        .useTimeout(30_000),
    )
    .when('views', (ctx) => ctx.message.type === 'ViewRefreshed')
    .then((cfg) =>
      cfg.useTopic('views').useStream('views-shared').useStrategy('parallel').withConcurrency(20).withPartitions(8).usePartitionRouter(roundRobin).useSequenceProvider(viewSequences),
    )
    .build();
  return { engine, orderSequences, viewSequences, roundRobin };
}

describe('PolicyEngine.explain', () => {
  it('returns the routing a dispatch would get', async () => {
    const { engine, orderSequences } = setup();
    await orderSequences.reset('order-42', 6);

    const explanation = await engine.explain({ type: 'OrderPlaced', aggregateType: 'Order', aggregateId: '42' }, { metadata: { tags: ['vip'] } });

    expect(explanation.error).toBeUndefined();
    expect(explanation.messageType).toBe('OrderPlaced');
    expect(explanation.routing).toEqual({
      policyName: 'orders',
      topic: 'orders',
      streamKey: 'order-42',
      partitionIndex: new HashPartitionRouter().selectPartition('order-42', 4),
      sequenceNumber: 7,
      configuration: engine.policies[0]?.summary,
    });
    expect(explanation.decisions).toHaveLength(1);
    expect(explanation.decisions[0]).toMatchObject({ policyName: 'orders', matched: true });
    expect(explanation.envelope.metadata).toEqual({ tags: ['vip'] });
    expect(explanation.envelope.topic).toBeUndefined();
  });

  it('consumes no sequence number or router state', async () => {
    const { engine, orderSequences, viewSequences, roundRobin } = setup();
    roundRobin.selectPartition('views-shared', 8);
    roundRobin.selectPartition('views-shared', 8);
    await viewSequences.getNext('views-shared');

    for (let attempt = 0; attempt < 5; attempt++) {
      const view = await engine.explain({ type: 'ViewRefreshed' });
      expect(view.routing?.partitionIndex).toBe(2);
      expect(view.routing?.sequenceNumber).toBe(2);

      const order = await engine.explain({ type: 'OrderPlaced', aggregateType: 'Order', aggregateId: '1' });
      expect(order.routing?.sequenceNumber).toBe(1);
    }

    expect(roundRobin.previewPartition('views-shared', 8)).toBe(2);
    expect(await viewSequences.getCurrent('views-shared')).toBe(1);
    expect(await orderSequences.getCurrent('order-1')).toBe(0);

    // The next real dispatch gets exactly what explain predicted.
    const routed = await engine.route(createEnvelope<Msg>({ type: 'ViewRefreshed' }));
    expect(routed.partitionIndex).toBe(2);
    expect(routed.sequenceNumber).toBe(2);
  });

  it('returns the trail and error when nothing matches', async () => {
    const { engine } = setup();
    const explanation = await engine.explain({ type: 'Unknown' });

    expect(explanation.routing).toBeUndefined();
    expect(explanation.error).toBeInstanceOf(NoMatchingPolicyError);
    expect(explanation.decisions.map((decision) => [decision.policyName, decision.matched])).toEqual([
      ['orders', false],
      ['views', false],
    ]);
  });

  it('returns selector errors without throwing', async () => {
    const engine = createPolicies()
      .when('p', () => true)
      .then((cfg) =>
        cfg.useTopic('t').useStream((_ctx: PolicyContext) => {
          throw new Error('no id');
        }),
      )
      .build();

    const explanation = await engine.explain({});
    expect(explanation.error?.message).toBe('no id');
    expect(explanation.decisions[0]?.reason).toMatch(/routing failed: Error: no id/);
  });

  it('wraps non-Error failures', async () => {
    const engine = createPolicies()
      .when('p', () => true)
      .then((cfg) =>
        cfg.useTopic('t').useSequenceProvider({
          name: 'failing',
          getNext: () => Promise.resolve(1),
          // A provider that rejects with a bare string, which explain must still report as an Error.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          getCurrent: () => Promise.reject('offline'),
          reset: () => Promise.resolve(),
        }),
      )
      .build();

    const explanation = await engine.explain({});
    expect(explanation.error?.message).toBe('offline');
  });

  it('uses selectPartition when the router has no preview', async () => {
    const calls: string[] = [];
    const engine = createPolicies()
      .when('p', () => true)
      .then((cfg) =>
        cfg.useTopic('t').withPartitions(3).usePartitionRouter({
          name: 'stateless',
          selectPartition: (key) => {
            calls.push(key);
            return 2;
          },
        }),
      )
      .build();

    expect((await engine.explain({})).routing?.partitionIndex).toBe(2);
    expect(calls).toEqual(['t']);
  });

  it('rejects invalid options', async () => {
    const { engine } = setup();
    await expect(engine.explain({ type: 'X' }, 5 as never)).rejects.toThrow('Invalid explain options: 5. Pass an object or nothing.');
  });
});
