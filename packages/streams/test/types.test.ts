// Compile-time checks: `pnpm run typecheck` fails when a line marked @ts-expect-error compiles.
// The functions never run.
import { createPolicies } from '@whizbang/policies';
import { describe, expectTypeOf, it } from 'vitest';

import { createDispatcher, type HandlerContext, type MessageHandlers } from '../src/index.js';
import type { AppMessage, InvoiceRequested, OrderPlaced } from './helpers.js';

const policies = createPolicies<AppMessage>()
  .when('all', () => true)
  .then((cfg) => cfg.useTopic('all'));

function typedHandlers(): void {
  const dispatcher = createDispatcher<AppMessage>({
    policies,
    handlers: {
      OrderPlaced: async (order, ctx) => {
        expectTypeOf(order).toEqualTypeOf<OrderPlaced>();
        expectTypeOf(ctx).toEqualTypeOf<HandlerContext<OrderPlaced, AppMessage>>();
        await ctx.send({ type: 'InvoiceRequested', orderId: order.aggregateId });
        // @ts-expect-error follow-ups must be application messages
        await ctx.send({ type: 'Unknown' });
        return order.aggregateId;
      },
      InvoiceRequested: (invoice) => invoice.orderId,
    },
    topicHandlers: { all: (message) => message.type },
  });

  void dispatcher.dispatch({ type: 'InvoiceRequested', orderId: '1' });
  // @ts-expect-error only application messages can be dispatched
  void dispatcher.dispatch({ type: 'Unknown' });
}

function misspeltHandler(): void {
  createDispatcher<AppMessage>({
    policies,
    handlers: {
      // @ts-expect-error OrderPlacd is not a message type
      OrderPlacd: () => 1,
    },
  });
}

function wrongHandlerType(): void {
  createDispatcher<AppMessage>({
    policies,
    handlers: {
      // @ts-expect-error the OrderPlaced handler receives an OrderPlaced
      OrderPlaced: (invoice: InvoiceRequested) => invoice.orderId,
    },
  });
}

function wrongOptions(): void {
  // @ts-expect-error captureCallers is a boolean
  createDispatcher<AppMessage>({ policies, handlers: {}, captureCallers: 'yes' });
  // @ts-expect-error idleTimeoutMs belongs to lanes
  createDispatcher<AppMessage>({ policies, handlers: {}, idleTimeoutMs: 5 });
}

describe('dispatcher types', () => {
  it('narrows handlers by message type', () => {
    expectTypeOf<keyof MessageHandlers<AppMessage>>().toEqualTypeOf<AppMessage['type']>();
    expectTypeOf<MessageHandlers<unknown>>().toEqualTypeOf<Readonly<Record<string, (message: unknown, context: HandlerContext<unknown, unknown>) => unknown>>>();
    expectTypeOf(typedHandlers).toBeFunction();
    expectTypeOf(misspeltHandler).toBeFunction();
    expectTypeOf(wrongHandlerType).toBeFunction();
    expectTypeOf(wrongOptions).toBeFunction();
  });
});
