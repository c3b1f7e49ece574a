/** Handle returned by `on()`; `dispose()` removes the listener. */
export interface EventSubscription {
  /** Removes the listener. Calling it again does nothing. */
  dispose(): void;
}

/**
 * Minimal typed event emitter. Listeners run synchronously in registration order. A listener
 * that throws does not stop the others nor the executor: its error is rethrown in a microtask,
 * so it surfaces as an uncaught exception the way RxJS reports errors thrown by subscribers.
 */
export class EventHub<TEvents> {
  // Copy-on-write arrays, so a listener added or removed during emit() does not disturb the
  // iteration in progress.
  private readonly listeners = new Map<keyof TEvents, readonly ((event: never) => void)[]>();

  /** Adds `listener` for `event`. */
  on<K extends keyof TEvents>(event: K, listener: (event: TEvents[K]) => void): EventSubscription {
    if (typeof listener !== 'function') {
      throw new TypeError(`Invalid listener for '${String(event)}': expected a function.`);
    }

    const current = this.listeners.get(event) ?? [];
    this.listeners.set(event, [...current, listener]);

    let disposed = false;

    return {
      dispose: () => {
        if (disposed) {
          return;
        }

        disposed = true;

        const remaining = (this.listeners.get(event) ?? []).filter((entry) => entry !== listener);

        if (remaining.length === 0) {
          this.listeners.delete(event);
        } else {
          this.listeners.set(event, remaining);
        }
      },
    };
  }

  /** True when `event` has at least one listener; checked before building an event object. */
  has(event: keyof TEvents): boolean {
    // The size check first: executors call this for every message, usually with no listeners.
    return this.listeners.size !== 0 && this.listeners.has(event);
  }

  /** Calls every listener of `event` with `payload`. */
  emit<K extends keyof TEvents>(event: K, payload: TEvents[K]): void {
    const listeners = this.listeners.get(event);

    if (listeners === undefined) {
      return;
    }

    for (const listener of listeners) {
      try {
        (listener as (event: TEvents[K]) => void)(payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
