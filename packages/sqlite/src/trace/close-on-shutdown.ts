import type { SqliteTraceStore } from './sqlite-trace-store.js';

/**
 * Options of {@link closeOnShutdown}.
 *
 * @example
 * ```ts
 * closeOnShutdown(store, { signals: ['SIGTERM'], onError: (error) => logger.error(error) });
 * ```
 */
export interface CloseOnShutdownOptions {
  /**
   * Signals on which the store is closed (flushed first) before the process ends as the signal
   * would end it. Default `['SIGTERM', 'SIGINT']`; `[]` installs no signal handler.
   */
  readonly signals?: readonly NodeJS.Signals[];

  /**
   * Called with the error when flushing or closing fails. Default: `process.emitWarning`, which
   * prints the error to stderr.
   */
  readonly onError?: (error: unknown) => void;
}

/**
 * Makes the process write a store's queued traces before it exits, and returns a function that
 * removes the handlers again.
 *
 * - On `beforeExit` (the event loop ran out of work) it flushes the store when traces are
 *   queued. Node.js does not emit `beforeExit` for `process.exit()` or an uncaught exception,
 *   so call `await store.close()` yourself on those paths.
 * - On each signal in `options.signals` it closes the store, then removes its handlers and, if
 *   no other listener of that signal is left, sends the signal to the process again so that it
 *   ends with the signal's default behaviour. An application with its own signal handler keeps
 *   control of the exit and should `await store.close()` in it instead.
 *
 * @example
 * ```ts
 * const store = new SqliteTraceStore({ path: 'traces.db' });
 * const uninstall = closeOnShutdown(store);
 * // ... on an orderly stop of your own:
 * uninstall();
 * await store.close();
 * ```
 */
export function closeOnShutdown(store: SqliteTraceStore, options: CloseOnShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const onError = options.onError ?? reportError;
  let beforeExitFailed = false;

  const onBeforeExit = (): void => {
    // A failed flush would leave the traces queued and fire beforeExit again: try only once.
    if (beforeExitFailed || store.queued === 0) return;

    store.flush().catch((error: unknown) => {
      beforeExitFailed = true;
      onError(error);
    });
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    uninstall();
    store
      .close()
      .catch(onError)
      .finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  };

  const uninstall = (): void => {
    process.off('beforeExit', onBeforeExit);
    for (const signal of signals) process.off(signal, onSignal);
  };

  process.on('beforeExit', onBeforeExit);
  for (const signal of signals) process.on(signal, onSignal);
  return uninstall;
}

function reportError(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)));
}
