/** The part of `process` that {@link installShutdownHandlers} uses; tests pass an `EventEmitter` with an `exit` spy. */
export interface ShutdownProcess {
  on(event: string, listener: (signal: string) => void): unknown;
  removeListener(event: string, listener: (signal: string) => void): unknown;
  exit(code?: number): void;
}

/** Anything with a graceful `shutdown`, such as a `Dispatcher`. */
export interface ShutdownTarget {
  shutdown(signal?: AbortSignal): Promise<void>;
}

/**
 * Options of {@link installShutdownHandlers}.
 *
 * @example
 * ```ts
 * installShutdownHandlers(dispatcher, { timeoutMs: 10_000, onShutdown: (error) => logger.info({ error }, 'stopped') });
 * ```
 */
export interface ShutdownHandlerOptions {
  /** Signals that start the shutdown. Default `['SIGTERM', 'SIGINT']`. */
  readonly signals?: readonly string[];

  /**
   * Milliseconds the shutdown may take before running handlers are aborted and the process
   * exits with code 1. A positive number up to 2,147,483,647, or `Infinity`. Default 30,000.
   */
  readonly timeoutMs?: number;

  /** Whether to call `process.exit` (0 after a clean shutdown, 1 otherwise). Default true. */
  readonly exit?: boolean;

  /** Called when the shutdown finished, with its error if it failed or timed out. */
  readonly onShutdown?: (error?: unknown) => void;

  /** The process to listen on. Default: the global `process`. */
  readonly process?: ShutdownProcess;
}

const MAX_TIMER_MS = 2_147_483_647;

/**
 * Shuts `target` down gracefully on SIGTERM or SIGINT: it stops accepting messages, lets
 * accepted ones finish (within `timeoutMs`), then exits the process. A second signal during
 * the shutdown exits at once with code 1.
 *
 * @returns a function that removes the handlers again.
 * @throws TypeError or RangeError for invalid options.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher({ policies, handlers });
 * installShutdownHandlers(dispatcher);
 * ```
 */
export function installShutdownHandlers(target: ShutdownTarget, options: ShutdownHandlerOptions = {}): () => void {
  if (typeof target?.shutdown !== 'function') throw new TypeError('Invalid target: pass an object with a shutdown(signal) method, such as a Dispatcher.');
  if (typeof options !== 'object' || options === null) throw new TypeError('Invalid options: pass an object or nothing.');

  const signals = validateSignals(options.signals ?? ['SIGTERM', 'SIGINT']);
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || (timeoutMs > MAX_TIMER_MS && timeoutMs !== Infinity)) {
    throw new RangeError(`Invalid timeoutMs: ${String(timeoutMs)}. Pass milliseconds greater than 0 and at most ${MAX_TIMER_MS}, or Infinity.`);
  }
  const proc: ShutdownProcess = options.process ?? process;
  const exit = options.exit ?? true;

  let shuttingDown = false;
  const listener = (signal: string): void => {
    if (shuttingDown) {
      // A second signal: the operator does not want to wait.
      if (exit) proc.exit(1);
      return;
    }
    shuttingDown = true;

    const controller = new AbortController();
    const timer =
      timeoutMs === Infinity
        ? undefined
        : setTimeout(() => controller.abort(new Error(`Shutdown on ${signal} did not finish within ${timeoutMs} ms; running handlers were aborted.`)), timeoutMs);
    timer?.unref();

    target.shutdown(controller.signal).then(
      () => finish(undefined, timer),
      (error: unknown) => finish(error ?? new Error('Shutdown failed.'), timer),
    );
  };

  const finish = (error: unknown, timer: NodeJS.Timeout | undefined): void => {
    if (timer !== undefined) clearTimeout(timer);
    try {
      options.onShutdown?.(error);
    } finally {
      if (exit) proc.exit(error === undefined ? 0 : 1);
    }
  };

  // The listener stays subscribed after the first signal, so a second one reaches it instead of
  // Node's default handler, which would end the process without running `onShutdown`.
  for (const name of signals) proc.on(name, listener);
  return () => {
    for (const name of signals) proc.removeListener(name, listener);
  };
}

function validateSignals(signals: unknown): readonly string[] {
  if (!Array.isArray(signals) || signals.length === 0 || signals.some((signal) => typeof signal !== 'string' || signal === '')) {
    throw new TypeError(`Invalid signals: ${String(signals)}. Pass a non-empty array of signal names such as ['SIGTERM'].`);
  }
  return signals as readonly string[];
}
