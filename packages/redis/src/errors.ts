/**
 * Failure to reach Redis: the client was not connected within `connectTimeoutMillis`, or the
 * connection was down when the command was to be sent. Nothing was sent, so nothing changed.
 *
 * The message names the server by its redacted URL (password replaced by `***`).
 *
 * @example
 * ```ts
 * if (error instanceof RedisConnectionError) console.error(error.endpoint, error.message);
 * ```
 */
export class RedisConnectionError extends Error {
  override readonly name = 'RedisConnectionError';

  /** URL of the server, with its password replaced by `***`. */
  readonly endpoint: string;

  constructor(message: string, endpoint: string, options?: ErrorOptions) {
    super(message, options);
    this.endpoint = endpoint;
  }
}

/**
 * Redis replied with an error, for example because the counter key has a value of another type.
 *
 * @example
 * ```ts
 * if (error instanceof RedisCommandError) console.error(error.message);
 * ```
 */
export class RedisCommandError extends Error {
  override readonly name = 'RedisCommandError';

  /** URL of the server, with its password replaced by `***`. */
  readonly endpoint: string;

  constructor(message: string, endpoint: string, options?: ErrorOptions) {
    super(message, options);
    this.endpoint = endpoint;
  }
}

/**
 * The counter key of a stream vanished from Redis (deleted, evicted, or lost in a restart
 * without persistence) after this provider instance had handed out numbers for it, and no
 * durable floor is configured to restart it from. Starting again at 1 would repeat numbers.
 *
 * Configure a `floor` (such as `PostgresSequenceFloor` from `@whizbang/postgres`), or call
 * `reset(streamKey, lastKnownNumber)` once the right value is known.
 */
export class SequenceKeyLostError extends Error {
  override readonly name = 'SequenceKeyLostError';

  /** The stream whose counter key is missing. */
  readonly streamKey: string;

  constructor(streamKey: string, redisKey: string) {
    super(
      `The Redis counter key ${JSON.stringify(redisKey)} of stream ${JSON.stringify(streamKey)} is missing, ` +
        'although this provider handed out numbers for the stream before (deleted, evicted, or lost in a restart). ' +
        'Restarting it at 1 would repeat numbers. Configure a durable floor, or reset the stream to its last known number.',
    );
    this.streamKey = streamKey;
  }
}

/**
 * No number could be allocated in `maxAttempts` attempts, because every number drawn had
 * already been covered by the durable floor from another process or an earlier counter (after
 * the key was lost). Each attempt left a gap, none a duplicate. Retrying later is safe.
 */
export class SequenceAllocationError extends Error {
  override readonly name = 'SequenceAllocationError';
}
