import type { OrderStatus, OrderViewUpdate } from './messages.js';

/** One order as the read model shows it. */
export interface OrderView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;

  /** Amount charged, or the amount that failed, in `currency`. */
  readonly amount: number;
  readonly currency: string;
}

// Later statuses win. The projections policy runs updates in parallel on round-robin
// partitions, so an order's "shipped" update can arrive before its "paid" one.
const STATUS_RANK: Readonly<Record<OrderStatus, number>> = {
  'stock-reserved': 0,
  paid: 1,
  'payment-failed': 2,
  shipped: 2,
};

/**
 * The read model the projection handler maintains: the latest status of every order. Applying
 * updates in any order gives the same result, which is what lets projections run in parallel.
 *
 * @example
 * ```ts
 * const views = new OrderReadModel();
 * views.apply(update);
 * views.countByStatus(); // { 'stock-reserved': 0, paid: 0, 'payment-failed': 0, shipped: 1 }
 * ```
 */
export class OrderReadModel {
  readonly #orders = new Map<string, OrderView>();

  /** Number of orders seen. */
  get size(): number {
    return this.#orders.size;
  }

  /** Applies one update, keeping the most advanced status, the largest amount and the payment's currency. */
  apply(update: OrderViewUpdate): void {
    const current = this.#orders.get(update.orderId);
    const advances = current === undefined || STATUS_RANK[update.status] >= STATUS_RANK[current.status];

    this.#orders.set(update.orderId, {
      orderId: update.orderId,
      customerId: update.customerId,
      status: advances ? update.status : current.status,
      amount: Math.max(update.amount, current?.amount ?? 0),
      // A shipping update carries no amount and no currency: keep the payment's.
      currency: update.currency === '' ? (current?.currency ?? '') : update.currency,
    });
  }

  /** Returns the view of one order, or undefined. */
  get(orderId: string): OrderView | undefined {
    return this.#orders.get(orderId);
  }

  /** Counts orders by their current status. */
  countByStatus(): Record<OrderStatus, number> {
    const counts: Record<OrderStatus, number> = { 'stock-reserved': 0, paid: 0, 'payment-failed': 0, shipped: 0 };
    for (const view of this.#orders.values()) counts[view.status]++;
    return counts;
  }
}
