import { BulkheadRejectedError } from '@whizbang/execution';
import type { BulkheadSettings } from '@whizbang/policies';

/** Admission result of {@link SharedBulkhead.admit}. */
export const ADMITTED = 0;
export const QUEUED = 1;
export const REJECTED = 2;

/** Result of {@link SharedBulkhead.admit}: `ADMITTED`, `QUEUED` or `REJECTED`. */
export type Admission = typeof ADMITTED | typeof QUEUED | typeof REJECTED;

/**
 * A named bulkhead shared by every lane of the policies that use its name. A message holds one
 * of `maxConcurrency` permits from the moment it enters its lane until it settles, so the limit
 * covers messages running and messages waiting inside lanes. Up to `maxQueue` more wait here in
 * FIFO order; any further message is rejected with `BulkheadRejectedError` before it gets a
 * sequence number.
 */
export class SharedBulkhead {
  readonly name: string;
  readonly maxConcurrency: number;
  readonly maxQueue: number;

  /** Permits held. */
  active = 0;

  readonly #waiting: (() => void)[] = [];
  #head = 0;

  constructor(settings: BulkheadSettings) {
    this.name = settings.name;
    this.maxConcurrency = settings.maxConcurrency;
    this.maxQueue = settings.maxQueue;
  }

  /** Messages waiting for a permit. */
  get queued(): number {
    return this.#waiting.length - this.#head;
  }

  /**
   * Decides whether a new message may enter now (taking a permit), must wait, or is rejected.
   * A queued message must then be given to {@link wait} at once, so queue order is admission order.
   */
  admit(): Admission {
    if (this.active < this.maxConcurrency && this.queued === 0) {
      this.active += 1;
      return ADMITTED;
    }
    return this.queued < this.maxQueue ? QUEUED : REJECTED;
  }

  /** Queues `enter`, which runs (holding a permit) when one is released. */
  wait(enter: () => void): void {
    this.#waiting.push(enter);
  }

  /** Releases a permit: the oldest waiting message takes it, or the permit returns to the pool. */
  release(): void {
    if (this.queued === 0) {
      this.active -= 1;
      return;
    }

    const enter = this.#waiting[this.#head] as () => void;
    this.#waiting[this.#head] = noop;
    this.#head += 1;

    // Compact the array once the consumed prefix dominates, so the queue never grows without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
    enter();
  }

  /** Creates the rejection error of a message that found the bulkhead full. */
  rejection(): BulkheadRejectedError {
    return new BulkheadRejectedError(this.name, this.maxConcurrency, this.maxQueue);
  }
}

function noop(): void {}
