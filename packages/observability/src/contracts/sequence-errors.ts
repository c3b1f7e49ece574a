/**
 * A request that changes a stored counter (or a stored trace) was sent to a server, but no reply
 * arrived: the connection was lost or the client-side timeout passed. The server may or may not
 * have applied it, so a sequence number may have been assigned. That number is never handed to
 * any caller and becomes a gap, so numbers stay unique.
 *
 * Retrying is safe: a retry takes a new number. The PostgreSQL and Redis providers of
 * `@whizbang/postgres` and `@whizbang/redis` throw this one class, so a caller can handle a lost
 * reply the same way for both.
 *
 * @example
 * ```ts
 * if (error instanceof SequenceOutcomeUnknownError) return provider.getNext(streamKey); // new number
 * ```
 */
export class SequenceOutcomeUnknownError extends Error {
  override readonly name = 'SequenceOutcomeUnknownError';

  /** Connection string or URL of the server, with its password replaced by `***`. */
  readonly endpoint: string;

  constructor(message: string, endpoint: string, options?: ErrorOptions) {
    super(message, options);
    this.endpoint = endpoint;
  }
}
