import { describeReceivedValue, SequenceOutcomeUnknownError } from '@whizbang/observability';
import { Redis, ReplyError, type RedisOptions } from 'ioredis';

import { RedisCommandError, RedisConnectionError } from './errors.js';
import { redactRedisUrl } from './redact.js';

/**
 * Connection settings of a Redis provider. Give either `url` (the provider creates and owns the client,
 * and `close()` disconnects it) or `client` (an existing ioredis client, left open by `close()`).
 *
 * @example
 * ```ts
 * const options: RedisConnectionOptions = { url: 'redis://127.0.0.1:6379', commandTimeoutMillis: 1_000 };
 * ```
 */
export interface RedisConnectionOptions {
  /** Redis URL such as `redis://user:password@127.0.0.1:6379/0`. Its password never appears in errors. */
  readonly url?: string;

  /**
   * Existing ioredis client. It must fail fast: created with `enableOfflineQueue: false`,
   * `autoResendUnfulfilledCommands: false` and a `commandTimeout`, otherwise the constructor
   * throws, because a queued or re-sent command could assign a number that no caller receives
   * or make a call wait without limit.
   */
  readonly client?: Redis;

  /** Maximum wait for the connection when a call finds it down, in milliseconds. Default 2,000. Range 1 to 600,000. */
  readonly connectTimeoutMillis?: number;

  /** Maximum wait for the reply to one command, in milliseconds. Default 2,000. Range 1 to 600,000. */
  readonly commandTimeoutMillis?: number;

  /**
   * Sends commands issued in the same event-loop turn as one pipeline (ioredis
   * `enableAutoPipelining`). Default false. Faster under many concurrent callers; a lost
   * connection then fails every command of the pipeline with `SequenceOutcomeUnknownError`.
   */
  readonly autoPipelining?: boolean;

  /** Client name shown by `CLIENT LIST` on the server. Default `"whizbang-sequence"`. */
  readonly connectionName?: string;

  /**
   * Called with errors that no caller receives, such as a failed reconnection attempt. The
   * client keeps reconnecting. Default: ignore them.
   */
  readonly onError?: (error: Error) => void;
}

/** A client together with the description of its server used in error messages. */
export interface RedisConnection {
  readonly client: Redis;
  readonly endpoint: string;
  readonly ownsClient: boolean;
  readonly connectTimeoutMillis: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * Creates (without connecting) the client described by `options`.
 *
 * @throws TypeError or RangeError naming the invalid option.
 */
export function openRedisConnection(options: RedisConnectionOptions, owner: string): RedisConnection {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner} options must be an object, received ${describeReceivedValue(options)}.`);
  }
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError(`options.onError must be a function, received ${describeReceivedValue(onError)}.`);
  }
  const connectTimeoutMillis = integerOption(options.connectTimeoutMillis, 'connectTimeoutMillis', DEFAULT_TIMEOUT_MS, 1, 600_000);
  const commandTimeoutMillis = integerOption(options.commandTimeoutMillis, 'commandTimeoutMillis', DEFAULT_TIMEOUT_MS, 1, 600_000);

  if (options.client !== undefined) {
    if (options.url !== undefined) throw new TypeError('Pass either options.client or options.url, not both.');
    if (!(options.client instanceof Redis)) {
      throw new TypeError(`options.client must be an ioredis Redis client, received ${describeReceivedValue(options.client)}.`);
    }
    checkFailFast(options.client.options);
    const endpoint = `redis://${options.client.options.host ?? '127.0.0.1'}:${options.client.options.port ?? 6379}`;
    return { client: options.client, endpoint, ownsClient: false, connectTimeoutMillis };
  }

  if (typeof options.url !== 'string' || options.url === '') {
    throw new TypeError('options.url must be a non-empty Redis URL such as "redis://127.0.0.1:6379", or pass options.client.');
  }
  const endpoint = redactRedisUrl(options.url);
  const autoPipelining = options.autoPipelining ?? false;
  if (typeof autoPipelining !== 'boolean') {
    throw new TypeError(`options.autoPipelining must be true or false, received ${describeReceivedValue(autoPipelining)}.`);
  }

  const connectionName = options.connectionName ?? 'whizbang-sequence';
  if (typeof connectionName !== 'string' || !/^[!-~]{1,100}$/.test(connectionName)) {
    throw new TypeError(`options.connectionName must be 1 to 100 printable ASCII characters without spaces, received ${describeReceivedValue(connectionName)}.`);
  }

  const client = new Redis(options.url, {
    lazyConnect: true,
    connectionName,
    // Fail fast. A command issued while disconnected is rejected at once instead of queued. A
    // command in flight when the connection drops is rejected instead of re-sent, because a
    // re-sent increment could assign a second number. Every command has a deadline.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMillis,
    connectTimeout: connectTimeoutMillis,
    enableAutoPipelining: autoPipelining,
    // Reconnect in the background without end, waiting 100 ms more per attempt, at most 1 s.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
  });

  // Without a listener ioredis prints each failed reconnection attempt to the console.
  client.on('error', (error: Error) => onError?.(wrapBackgroundError(error, endpoint)));
  return { client, endpoint, ownsClient: true, connectTimeoutMillis };
}

function checkFailFast(options: RedisOptions): void {
  if (options.enableOfflineQueue !== false || options.autoResendUnfulfilledCommands !== false || !options.commandTimeout) {
    throw new TypeError(
      'options.client must be created with enableOfflineQueue: false, autoResendUnfulfilledCommands: false and a ' +
        'commandTimeout, so that no command is queued or re-sent and none waits without limit. Or pass options.url.',
    );
  }
}

function wrapBackgroundError(error: Error, endpoint: string): RedisConnectionError {
  return new RedisConnectionError(`Redis at ${endpoint}: ${error.message}`, endpoint, { cause: error });
}

/** Reads an optional integer option within [min, max]. */
export function integerOption(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`options.${name} must be an integer from ${min} to ${max}, received ${describeReceivedValue(value)}.`);
  }
  return value;
}

/**
 * Resolves once the client is ready, connecting it first when it was never connected.
 *
 * @throws RedisConnectionError when it is not ready within `connectTimeoutMillis`.
 */
export function whenReady(connection: RedisConnection): Promise<void> | undefined {
  const { client } = connection;
  if (client.status === 'ready') return undefined;
  return waitForReady(connection);
}

async function waitForReady(connection: RedisConnection): Promise<void> {
  const { client, endpoint, connectTimeoutMillis } = connection;
  if (client.status === 'end') {
    throw new RedisConnectionError(`The connection to Redis at ${endpoint} is closed. Create a new provider.`, endpoint);
  }
  if (client.status === 'wait') client.connect().catch(() => undefined);

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(
        new RedisConnectionError(
          `Redis at ${endpoint} is not reachable: no connection within ${connectTimeoutMillis} ms (status ${client.status}). ` +
            'Check that the server is running and the URL is right.',
          endpoint,
        ),
      );
    }, connectTimeoutMillis);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** What a command does, which decides how a lost reply is reported. */
export type CommandKind = 'read' | 'write';

/**
 * Converts an ioredis rejection to this package's errors: a server error reply to
 * `RedisCommandError`, a command that was never sent to `RedisConnectionError`, and a `write`
 * command without a reply to `SequenceOutcomeUnknownError`.
 */
export function wrapCommandError(error: unknown, connection: RedisConnection, kind: CommandKind): Error {
  const { endpoint } = connection;
  const message = error instanceof Error ? error.message : String(error);

  if (error instanceof ReplyError) {
    return new RedisCommandError(`Redis at ${endpoint} rejected the command: ${message}`, endpoint, { cause: error });
  }
  if (message.includes("Stream isn't writeable")) {
    return new RedisConnectionError(
      `Redis at ${endpoint} is not connected, so the command was not sent (${message}). The client is reconnecting; retry later.`,
      endpoint,
      { cause: error },
    );
  }
  if (kind === 'write') {
    return new SequenceOutcomeUnknownError(
      `The command to Redis at ${endpoint} got no reply (${message}), so it is unknown whether it was applied. ` +
        'No number was handed out; retry to take a new one.',
      endpoint,
      { cause: error },
    );
  }
  return new RedisConnectionError(`The command to Redis at ${endpoint} failed: ${message}`, endpoint, { cause: error });
}
