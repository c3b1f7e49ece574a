/** Handle returned by subscribing to an {@link Event}: `dispose()` removes the listener. */
export interface EventSubscription {
  dispose(): void;
}

/**
 * A typed event: call it with a listener to subscribe. Listeners run synchronously, in the
 * order they subscribed, inside the code that emits the event, so they must be quick and must
 * not throw.
 *
 * @example
 * ```ts
 * const subscription = store.onDropped(({ dropped }) => console.warn(`${dropped} traces dropped`));
 * subscription.dispose();
 * ```
 */
export type Event<T> = (listener: (value: T) => void) => EventSubscription;

/**
 * Source of an {@link Event}: the owner keeps the emitter and exposes `emitter.event`.
 *
 * @internal
 */
export class EventEmitter<T> {
  #listeners: ((value: T) => void)[] = [];

  /** Subscribes a listener; see {@link Event}. */
  readonly event: Event<T> = (listener) => {
    // Copy on write, so a listener that unsubscribes during emit does not skip another one.
    this.#listeners = [...this.#listeners, listener];
    return {
      dispose: () => {
        this.#listeners = this.#listeners.filter((candidate) => candidate !== listener);
      },
    };
  };

  /** True when at least one listener is subscribed, so callers can skip building the value. */
  get hasListeners(): boolean {
    return this.#listeners.length > 0;
  }

  /**
   * Calls every listener with `value`. A listener that throws does not stop the others or the
   * emitting code: its error is rethrown in a microtask, where it surfaces as an uncaught
   * exception as it would from a Node.js EventEmitter listener.
   */
  emit(value: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
