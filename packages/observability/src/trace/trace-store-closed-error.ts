/**
 * Error with which a trace store rejects calls made after `close()`.
 *
 * @example
 * ```ts
 * await store.close?.();
 * await store.getByMessageId(id); // rejects with TraceStoreClosedError
 * ```
 */
export class TraceStoreClosedError extends Error {
  override readonly name = 'TraceStoreClosedError';

  constructor(method: string) {
    super(`TraceStore.${method} failed: the trace store is closed. Create a new store to keep recording traces.`);
  }
}
