import { ParallelExecutor, SerialExecutor } from '@whizbang/execution';
import type { SequenceProvider } from '@whizbang/observability';
import { HashPartitionRouter, RoundRobinPartitionRouter } from '@whizbang/partitioning';
import { createPolicies, type PolicySet, type StreamKeySelector } from '@whizbang/policies';

import { ORDERS_TOPIC, PROJECTIONS_TOPIC, type ShopMessage } from './messages.js';

/** Stream key of every read-model update: one shared stream, spread over the partitions. */
export const PROJECTIONS_STREAM = 'order-views';

/** Partitions of the orders topic. */
export const ORDER_PARTITIONS = 4;

/** Partitions of the projections topic. */
export const PROJECTION_PARTITIONS = 8;

/** Messages one projections lane runs at once. */
export const PROJECTION_CONCURRENCY = 20;

/**
 * Stream key of an order's messages: its order id. A named function, so the policy trail shows
 * `[Function orderIdOf]` instead of an anonymous function.
 */
export const orderIdOf: StreamKeySelector<ShopMessage> = function orderIdOf(ctx) {
  return ctx.message.orderId;
};

/**
 * Creates the example's policies:
 *
 * - `orders`: every message of an Order aggregate goes to topic `orders`, stream = order id,
 *   one of 4 partitions chosen by hashing the order id, run serially. All messages of one order
 *   therefore run one at a time in sequence order.
 * - `projections`: read-model updates go to topic `projections` on one shared stream, spread
 *   round-robin over 8 partitions and run 20 at a time per partition. Their order is not kept,
 *   which the read model allows (see `OrderReadModel`).
 *
 * Both take their sequence numbers from `sequences`.
 *
 * @example
 * ```ts
 * const policies = createOrderFlowPolicies(new SqliteSequenceProvider({ path: 'whizbang-traces.db' }));
 * ```
 */
export function createOrderFlowPolicies(sequences: SequenceProvider): PolicySet<ShopMessage> {
  return createPolicies<ShopMessage>()
    .when('orders', (ctx) => ctx.matchesAggregate('Order'))
    .then((cfg) =>
      cfg
        .useTopic(ORDERS_TOPIC)
        .useStream(orderIdOf)
        .useStrategy(SerialExecutor)
        .withConcurrency(1)
        .withPartitions(ORDER_PARTITIONS)
        .usePartitionRouter(new HashPartitionRouter())
        .useSequenceProvider(sequences),
    )
    .when('projections', (ctx) => ctx.messageType === 'OrderViewUpdate')
    .then((cfg) =>
      cfg
        .useTopic(PROJECTIONS_TOPIC)
        .useStream(PROJECTIONS_STREAM)
        .useStrategy(ParallelExecutor)
        .withConcurrency(PROJECTION_CONCURRENCY)
        .withPartitions(PROJECTION_PARTITIONS)
        .usePartitionRouter(new RoundRobinPartitionRouter())
        .useSequenceProvider(sequences),
    );
}
