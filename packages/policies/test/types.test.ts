// Compile-time checks: `pnpm run typecheck` fails when a line marked @ts-expect-error compiles,
// so each one proves that the builder rejects that mistake. The functions never run.
import { ParallelExecutor, SerialExecutor, type ExecutionStrategy } from '@whizbang/execution';
import { HashPartitionRouter } from '@whizbang/partitioning';
import { InMemorySequenceProvider } from '@whizbang/sequencing';
import { describe, expectTypeOf, it } from 'vitest';

import { createPolicies, serviceKey, type LaneStrategyOptions, type PolicyContext, type PolicyEngine } from '../src/index.js';

interface OrderPlaced {
  readonly type: 'OrderPlaced';
  readonly orderId: string;
}

interface ViewRefreshed {
  readonly type: 'ViewRefreshed';
  readonly view: string;
}

type AppMessage = OrderPlaced | ViewRefreshed;

function validUsage(): PolicyEngine<AppMessage> {
  return createPolicies<AppMessage>()
    .when('orders', (ctx) => ctx.message.type === 'OrderPlaced')
    .then((cfg) =>
      cfg
        .useTopic('orders')
        .useStream((ctx) => `order-${ctx.getAggregateId()}`)
        .useStrategy(SerialExecutor)
        .withPartitions(4)
        .usePartitionRouter(new HashPartitionRouter())
        .useSequenceProvider(new InMemorySequenceProvider())
        .useBulkhead('order-processing', { maxConcurrency: 10, maxQueue: 50 })
        .useTimeout(30_000),
    )
    .when('views', (ctx) => ctx.message.type === 'ViewRefreshed')
    .then((cfg) => cfg.useTopic('views').useStrategy('parallel').withConcurrency(20))
    .when('custom', () => false)
    .then((cfg) => cfg.useTopic('custom').useStrategy((options: LaneStrategyOptions): ExecutionStrategy => new ParallelExecutor(options)))
    .otherwise((cfg) => cfg.useTopic('rest'))
    .build();
}

function misspeltOption(): void {
  createPolicies()
    .when('p', () => true)
    // @ts-expect-error useTopik is not an option
    .then((cfg) => cfg.useTopik('orders'));
}

function forgottenThen(): void {
  createPolicies()
    .when('p', () => true)
    // @ts-expect-error build() needs the then() that completes the policy first
    .build();
}

function wrongValueTypes(): void {
  createPolicies()
    .when('p', () => true)
    .then((cfg) => {
      // @ts-expect-error partitions are a number
      cfg.withPartitions('4');
      // @ts-expect-error unknown strategy name
      cfg.useStrategy('seriall');
      // @ts-expect-error the timeout is in milliseconds, a number
      cfg.useTimeout('30s');
      // @ts-expect-error maxConcurency is misspelt
      cfg.useBulkhead('b', { maxConcurency: 10 });
      // @ts-expect-error the bulkhead needs a name
      cfg.useBulkhead({ maxConcurrency: 10 });
      // @ts-expect-error a stream selector returns a string
      cfg.useStream(() => 42);
      // @ts-expect-error a router needs selectPartition
      cfg.usePartitionRouter({ name: 'r' });
      // @ts-expect-error a sequence provider needs getNext, getCurrent and reset
      cfg.useSequenceProvider({ name: 's' });
      // @ts-expect-error a strategy instance is not a class or factory
      cfg.useStrategy(new SerialExecutor());
      // @ts-expect-error concurrency is a number
      cfg.withConcurrency(true);
    });
}

function wrongPredicates(): void {
  // @ts-expect-error a predicate returns a boolean
  createPolicies().when('p', () => 'yes');
  // @ts-expect-error the policy name comes first
  createPolicies().when(() => true);
  // @ts-expect-error the message type is checked in predicates
  createPolicies<AppMessage>().when('p', (ctx) => ctx.message.type === 'OrderShipped');
  // @ts-expect-error environment is a string
  createPolicies().build({ environment: 1 });
}

describe('public types', () => {
  it('types the context and services', () => {
    const Pricing = serviceKey<{ price(): number }>('pricing');
    expectTypeOf<PolicyContext<AppMessage>['message']>().toEqualTypeOf<AppMessage>();
    expectTypeOf<ReturnType<PolicyContext['getService']>>().toBeUnknown();
    expectTypeOf((ctx: PolicyContext) => ctx.getService(Pricing)).returns.toEqualTypeOf<{ price(): number }>();
    expectTypeOf(validUsage).returns.toEqualTypeOf<PolicyEngine<AppMessage>>();
    expectTypeOf(misspeltOption).toBeFunction();
    expectTypeOf(forgottenThen).toBeFunction();
    expectTypeOf(wrongValueTypes).toBeFunction();
    expectTypeOf(wrongPredicates).toBeFunction();
  });
});
