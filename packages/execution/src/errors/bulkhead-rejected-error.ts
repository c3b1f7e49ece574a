/**
 * Rejection of a call that found every slot of a bulkhead busy and its queue full. The message
 * was not accepted: its handler never runs.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof BulkheadRejectedError) retryLater(envelope, error.bulkhead);
 * }
 * ```
 */
export class BulkheadRejectedError extends Error {
  override readonly name = 'BulkheadRejectedError';

  /** Bulkhead name, for example `"orders"`. */
  readonly bulkhead: string;

  /** Slots of the bulkhead: handlers that may run at once. */
  readonly maxConcurrency: number;

  /** Queue places of the bulkhead: messages that may wait for a slot. */
  readonly maxQueue: number;

  constructor(bulkhead: string, maxConcurrency: number, maxQueue: number) {
    super(
      `Bulkhead '${bulkhead}' is full: all ${maxConcurrency} slots are busy and all ${maxQueue} queue places ` +
        `are taken (maxConcurrency ${maxConcurrency}, maxQueue ${maxQueue}). Retry later, or raise maxQueue or maxConcurrency.`,
    );
    this.bulkhead = bulkhead;
    this.maxConcurrency = maxConcurrency;
    this.maxQueue = maxQueue;
  }
}
