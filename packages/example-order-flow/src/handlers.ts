import type { HandlerContext, MessageHandlers, SendOptions } from '@whizbang/streams';

import type { OrderEvent, OrderStatus, OrderViewUpdate, PlaceOrder, ShopMessage } from './messages.js';
import type { OrderReadModel } from './read-model.js';

/** Card numbers ending in these digits are declined by the example's payment gateway. */
export const DECLINED_CARD_ENDINGS: ReadonlySet<string> = new Set(['0002']);

/** Metadata key of the `performance.now()` reading taken when a message was sent. */
export const SENT_AT = 'sentAt';

/**
 * Thrown by the `StockReserved` handler when the card is declined, after it sent `PaymentFailed`.
 * The dispatcher records the `StockReserved` message as failed with this error.
 */
export class PaymentDeclinedError extends Error {
  override readonly name = 'PaymentDeclinedError';
}

/** Counters and samples the handlers record for the summary. */
export interface FlowMetrics {
  /** Messages sent: the input dispatches and every `ctx.send`. */
  sent: number;

  /** Handlers that finished (with or without an error). */
  handled: number;

  /**
   * Milliseconds from `dispatch()` or `ctx.send()` to the end of the handler, one per handled
   * message, measured with `performance.now()`.
   */
  readonly latencies: number[];
}

/** Creates empty {@link FlowMetrics}. */
export function createFlowMetrics(): FlowMetrics {
  return { sent: 0, handled: 0, latencies: [] };
}

/**
 * Returns the options of one send or dispatch: the current time in the metadata, for the
 * latency the handler wrapper measures. Each call counts one sent message.
 */
export function sendOptions(metrics: FlowMetrics): SendOptions {
  metrics.sent++;
  return { metadata: { [SENT_AT]: performance.now() } };
}

type Context = HandlerContext<ShopMessage, ShopMessage>;

/**
 * Creates the handlers of the order workflow. Each event handler sends the next step on the
 * order's stream and an `OrderViewUpdate` for the read model:
 *
 * PlaceOrder → StockReserved → PaymentCharged → OrderShipped, or
 * PlaceOrder → StockReserved → PaymentFailed (the StockReserved message then fails with
 * {@link PaymentDeclinedError}).
 *
 * `ctx.send` is called in the handlers themselves, not in a helper, because each hop records
 * the line that sent its message, and those lines are what a trace should point to.
 */
export function createOrderHandlers(readModel: OrderReadModel, metrics: FlowMetrics): MessageHandlers<ShopMessage> {
  const handlers: MessageHandlers<ShopMessage> = {
    PlaceOrder: async (order, ctx) => {
      const total = orderTotal(order);
      await ctx.send(
        { ...orderFields(order), type: 'StockReserved', reservationId: `res-${order.orderId}`, total, currency: order.currency, cardLast4: order.payment.cardLast4 },
        sendOptions(metrics),
      );
    },

    StockReserved: async (event, ctx) => {
      await ctx.send(viewUpdate(event, 'stock-reserved', event.total, event.currency), sendOptions(metrics));

      if (DECLINED_CARD_ENDINGS.has(event.cardLast4)) {
        const reason = `card ending ${event.cardLast4} was declined`;
        await ctx.send(
          { ...orderFields(event), type: 'PaymentFailed', reservationId: event.reservationId, amount: event.total, currency: event.currency, reason },
          sendOptions(metrics),
        );
        throw new PaymentDeclinedError(`Payment of ${event.total} ${event.currency} for ${event.orderId} failed: ${reason}.`);
      }

      await ctx.send(
        { ...orderFields(event), type: 'PaymentCharged', paymentId: `pay-${event.orderId}`, amount: event.total, currency: event.currency },
        sendOptions(metrics),
      );
    },

    PaymentCharged: async (event, ctx) => {
      await ctx.send(viewUpdate(event, 'paid', event.amount, event.currency), sendOptions(metrics));
      await ctx.send({ ...orderFields(event), type: 'OrderShipped', carrier: carrierFor(event.orderId), trackingNumber: `TRK-${event.orderId}` }, sendOptions(metrics));
    },

    PaymentFailed: async (event, ctx) => {
      await ctx.send(viewUpdate(event, 'payment-failed', event.amount, event.currency), sendOptions(metrics));
    },

    OrderShipped: async (event, ctx) => {
      await ctx.send(viewUpdate(event, 'shipped', 0, ''), sendOptions(metrics));
    },

    OrderViewUpdate: (update) => {
      readModel.apply(update);
    },
  };

  return measureHandlers(handlers, metrics);
}

/** Wraps every handler to count it and record its latency, whether it succeeds or throws. */
function measureHandlers(handlers: MessageHandlers<ShopMessage>, metrics: FlowMetrics): MessageHandlers<ShopMessage> {
  const measured: Record<string, (message: ShopMessage, ctx: Context) => Promise<unknown>> = {};
  for (const [type, handler] of Object.entries(handlers) as [string, (message: ShopMessage, ctx: Context) => unknown][]) {
    measured[type] = async (message: ShopMessage, ctx: Context) => {
      try {
        return await handler(message, ctx);
      } finally {
        metrics.handled++;
        const sentAt = ctx.getMetadata(SENT_AT);
        if (typeof sentAt === 'number') metrics.latencies.push(performance.now() - sentAt);
      }
    };
  }
  return measured;
}

function orderFields(message: PlaceOrder | OrderEvent): { aggregateType: 'Order'; aggregateId: string; orderId: string; customerId: string } {
  return { aggregateType: 'Order', aggregateId: message.orderId, orderId: message.orderId, customerId: message.customerId };
}

function viewUpdate(event: OrderEvent, status: OrderStatus, amount: number, currency: string): OrderViewUpdate {
  return { type: 'OrderViewUpdate', orderId: event.orderId, customerId: event.customerId, event: event.type, status, amount, currency };
}

/** Returns the order total rounded to cents. */
export function orderTotal(order: PlaceOrder): number {
  let cents = 0;
  for (const item of order.items) cents += Math.round(item.unitPrice * 100) * item.quantity;
  return cents / 100;
}

function carrierFor(orderId: string): string {
  const carriers = ['DHL', 'UPS', 'DPD', 'PostNL'];
  let hash = 0;
  for (let index = 0; index < orderId.length; index++) hash = (hash * 31 + orderId.charCodeAt(index)) >>> 0;
  return carriers[hash % carriers.length] as string;
}
