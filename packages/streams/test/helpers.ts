import type { SequenceProvider } from '@whizbang/observability';

/** Messages used across the tests: plain objects with a `type` discriminant and an aggregate. */
export interface OrderPlaced {
  readonly type: 'OrderPlaced';
  readonly aggregateType: 'Order';
  readonly aggregateId: string;
  readonly index?: number;
  readonly delayMs?: number;
}

export interface OrderShipped {
  readonly type: 'OrderShipped';
  readonly aggregateType: 'Order';
  readonly aggregateId: string;
  readonly index?: number;
}

export interface InvoiceRequested {
  readonly type: 'InvoiceRequested';
  readonly orderId: string;
}

export interface ViewRefreshed {
  readonly type: 'ViewRefreshed';
  readonly view: string;
  readonly index?: number;
}

export type AppMessage = OrderPlaced | OrderShipped | InvoiceRequested | ViewRefreshed;

export function orderPlaced(aggregateId: string, extra: Partial<OrderPlaced> = {}): OrderPlaced {
  return { type: 'OrderPlaced', aggregateType: 'Order', aggregateId, ...extra };
}

/** A promise with its resolve and reject functions. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise reaction run (a few macrotask turns). */
export async function flush(turns = 5): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A monotonic clock that tests move by hand. */
export function manualClock(start = 0): { now(): number; advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/**
 * An asynchronous sequence provider whose `getNext` resolves only when the test releases it, in
 * any order the test chooses. The number is assigned when the call is released, so releasing
 * calls out of order hands out numbers out of call order: exactly what a dispatcher must not
 * let through to its lanes.
 */
export class ManualSequenceProvider implements SequenceProvider {
  readonly name = 'manual';
  readonly pending: { key: string; release: () => void; fail: (error: unknown) => void }[] = [];
  readonly #counters = new Map<string, number>();

  getNext(streamKey: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({
        key: streamKey,
        release: () => {
          const next = (this.#counters.get(streamKey) ?? 0) + 1;
          this.#counters.set(streamKey, next);
          resolve(next);
        },
        fail: reject,
      });
    });
  }

  getCurrent(streamKey: string): Promise<number> {
    return Promise.resolve(this.#counters.get(streamKey) ?? 0);
  }

  reset(streamKey: string, newValue = 0): Promise<void> {
    this.#counters.set(streamKey, newValue);
    return Promise.resolve();
  }
}
