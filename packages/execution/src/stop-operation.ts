import type { StopReport } from './execution-strategy.js';
import { createDeferred, type Deferred } from './signals.js';

/**
 * The single `stop()` of an executor: every call returns its promise, and the signal of every
 * call can end the wait for running handlers (stop has one outcome, so the first abort wins).
 */
export class StopOperation {
  private readonly deferred: Deferred<StopReport> = createDeferred<StopReport>();
  private readonly watched: { signal: AbortSignal; listener: () => void }[] = [];

  /**
   * @param onSignalAborted Called once, with the reason, when a watched signal aborts before
   *   the stop finished.
   */
  constructor(private readonly onSignalAborted: (reason: unknown) => void) {}

  /** Promise returned by every `stop()` call. */
  get promise(): Promise<StopReport> {
    return this.deferred.promise;
  }

  /** True once the report was delivered. */
  get finished(): boolean {
    return this.deferred.settled;
  }

  /** Ends the wait when `signal` aborts. */
  watch(signal: AbortSignal): void {
    if (this.finished) {
      return;
    }

    if (signal.aborted) {
      this.onSignalAborted(signal.reason);
      return;
    }

    const listener = (): void => {
      this.onSignalAborted(signal.reason);
    };

    signal.addEventListener('abort', listener, { once: true });
    this.watched.push({ signal, listener });
  }

  /** Delivers `report` and removes every signal listener. Later calls do nothing. */
  finish(report: StopReport): void {
    if (this.finished) {
      return;
    }

    for (const { signal, listener } of this.watched.splice(0)) {
      signal.removeEventListener('abort', listener);
    }

    this.deferred.resolve(report);
  }
}
