/** One line of an order: a product, how many and the price of one, in the order's currency. */
export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

/** Fields every message about one order carries, so policies route it to the order's stream. */
interface OrderMessage {
  /** Aggregate type read by the `orders` policy (`ctx.matchesAggregate('Order')`). */
  readonly aggregateType: 'Order';

  /** Aggregate id: the order id, which is the stream key of every message of the order. */
  readonly aggregateId: string;
  readonly orderId: string;
  readonly customerId: string;
}

/** Input command: a customer places an order. One per line of the input file. */
export interface PlaceOrder extends OrderMessage {
  readonly type: 'PlaceOrder';

  /** Time the shop received the order, ISO 8601. */
  readonly placedAt: string;

  /** ISO 4217 currency code of every price, such as `EUR`. */
  readonly currency: string;
  readonly items: readonly OrderItem[];
  readonly payment: { readonly method: 'card'; readonly cardLast4: string };
  readonly shipTo: { readonly country: string; readonly postalCode: string };
}

/** Event: the warehouse reserved every item of the order. */
export interface StockReserved extends OrderMessage {
  readonly type: 'StockReserved';
  readonly reservationId: string;

  /** Order total in the order's currency, rounded to cents. */
  readonly total: number;
  readonly currency: string;
  readonly cardLast4: string;
}

/** Event: the customer's card was charged. */
export interface PaymentCharged extends OrderMessage {
  readonly type: 'PaymentCharged';
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
}

/** Event: the card was declined; the order stops here. */
export interface PaymentFailed extends OrderMessage {
  readonly type: 'PaymentFailed';
  readonly reservationId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string;
}

/** Event: the parcel left the warehouse. */
export interface OrderShipped extends OrderMessage {
  readonly type: 'OrderShipped';
  readonly carrier: string;
  readonly trackingNumber: string;
}

/** Status of an order in the read model, in the order a normal order goes through them. */
export type OrderStatus = 'stock-reserved' | 'paid' | 'payment-failed' | 'shipped';

/**
 * Projection message: one event of an order applied to the read model. It has no aggregate, so
 * the `projections` policy routes it, not the `orders` policy.
 */
export interface OrderViewUpdate {
  readonly type: 'OrderViewUpdate';
  readonly orderId: string;
  readonly customerId: string;

  /** Event that produced this update. */
  readonly event: StockReserved['type'] | PaymentCharged['type'] | PaymentFailed['type'] | OrderShipped['type'];
  readonly status: OrderStatus;

  /** Amount the event concerns in `currency`; 0 when it has none (shipping). */
  readonly amount: number;
  readonly currency: string;
}

/** Every event of the order workflow. */
export type OrderEvent = StockReserved | PaymentCharged | PaymentFailed | OrderShipped;

/** Every message the example dispatches. */
export type ShopMessage = PlaceOrder | OrderEvent | OrderViewUpdate;

/** Topic of the order workflow: serial per order. */
export const ORDERS_TOPIC = 'orders';

/** Topic of the read-model updates: parallel. */
export const PROJECTIONS_TOPIC = 'projections';
