import type { Execution } from './execution.js';

/**
 * Reusable pair of `then` callbacks for one running handler. An executor keeps a few and lends
 * one to each handler that returns a promise, so watching a handler allocates no closures: the
 * callbacks are created once per watcher, not once per message. A watcher is handed out again
 * only after its handler settled, and a promise settles once, so a reused watcher never receives
 * a stale callback.
 */
export class SlotWatcher {
  execution: Execution | undefined = undefined;

  readonly onFulfilled: (value: unknown) => void;
  readonly onRejected: (error: unknown) => void;

  /** @param settle Called with the watched execution and the handler's outcome. */
  constructor(settle: (watcher: SlotWatcher, ok: boolean, value: unknown) => void) {
    this.onFulfilled = (value) => {
      settle(this, true, value);
    };
    this.onRejected = (error) => {
      settle(this, false, error);
    };
  }
}
