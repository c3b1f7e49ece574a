import { OVERDUE, RUNNING, type Execution } from './execution.js';

/**
 * A `stop()` or `drain()` call made from inside one of the executor's own handlers. It resolves
 * once no other handler occupies a slot, because waiting for the calling handler, or for
 * messages queued behind its slot, would never end.
 */
interface LifecycleWaiter {
  readonly excluded: Execution;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly kind: 'stop' | 'drain';
}

/** Pending `stop()` and `drain()` calls made from inside the executor's own handlers. */
export class ReentrantWaiters {
  private readonly waiters: LifecycleWaiter[] = [];

  /** Number of pending calls; checked on the hot path before calling {@link check}. */
  get length(): number {
    return this.waiters.length;
  }

  /** Returns a promise for a call from `excluded`'s handler, settled by {@link check} or {@link settle}. */
  add(excluded: Execution, kind: 'stop' | 'drain', inFlight: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ excluded, resolve, reject, kind });
      this.check(inFlight);
    });
  }

  /** Resolves every call for which no handler but the caller's own occupies a slot. */
  check(inFlight: number): void {
    for (let index = this.waiters.length - 1; index >= 0; index--) {
      const waiter = this.waiters[index] as LifecycleWaiter;
      const ownSlot = waiter.excluded.phase === RUNNING || waiter.excluded.phase === OVERDUE ? 1 : 0;

      // Messages still queued when no other handler runs are waiting for the caller's own slot
      // (free slots are always handed on at once), so they are not waited for.
      if (inFlight - ownSlot === 0) {
        this.waiters.splice(index, 1);
        waiter.resolve();
      }
    }
  }

  /** Resolves (no `error`) or rejects every pending call of `kind`. */
  settle(kind: 'stop' | 'drain', error: unknown): void {
    for (let index = this.waiters.length - 1; index >= 0; index--) {
      const waiter = this.waiters[index] as LifecycleWaiter;

      if (waiter.kind === kind) {
        this.waiters.splice(index, 1);

        if (error === undefined) {
          waiter.resolve();
        } else {
          waiter.reject(error);
        }
      }
    }
  }
}
