import { randomBytes } from 'node:crypto';

import {
  describeReceivedValue,
  parseStoredCounter,
  type SequenceProvider,
  validateCounterValue,
  validateStoredStreamKey,
} from '@whizbang/observability';
import type { Redis } from 'ioredis';

import { SequenceAllocationError, SequenceKeyLostError } from './errors.js';
import {
  CHECK_COVERED_SCRIPT,
  COVER_SCRIPT,
  NEXT_SCRIPT,
  NextStatus,
  RESET_SCRIPT,
  SEED_SCRIPT,
} from './lua-scripts.js';
import {
  integerOption,
  openRedisConnection,
  whenReady,
  wrapCommandError,
  type CommandKind,
  type RedisConnection,
  type RedisConnectionOptions,
} from './redis-connection.js';
import type { SequenceFloor } from './sequence-floor.js';

// Redis keys could hold NUL, but a durable floor in PostgreSQL cannot, and keys must work with both.
const NUL_REASON = 'a PostgreSQL floor cannot store it';

/**
 * Options of {@link RedisSequenceProvider}: the connection options plus the ones below.
 *
 * @example
 * ```ts
 * const options: RedisSequenceProviderOptions = {
 *   url: 'redis://127.0.0.1:6379',
 *   keyPrefix: 'orders:sequence:',
 *   floor: new PostgresSequenceFloor({ connectionString }),
 *   floorStep: 100,
 * };
 * ```
 */
export interface RedisSequenceProviderOptions extends RedisConnectionOptions {
  /** Prefix of every counter key: the key of stream `s` is `keyPrefix + s`. Default `"whizbang:sequence:"`. At most 256 characters. */
  readonly keyPrefix?: string;

  /**
   * Durable floor outside Redis. With it, a counter key that vanished is restarted from the
   * floor, so numbers never repeat. Without it, a vanished key that this instance used before
   * fails with `SequenceKeyLostError`, and one it never used starts again at 1.
   */
  readonly floor?: SequenceFloor;

  /**
   * How far ahead one floor raise covers, in numbers. Default 100. Range 1 to 1,000,000. Step 1
   * raises the floor for every number, so a lost key continues exactly after the last number
   * handed out. A larger step raises it once per `floorStep` numbers, and a lost key continues
   * above the covered range: a gap of at most `floorStep - 1` numbers.
   */
  readonly floorStep?: number;

  /**
   * Maximum number of streams this instance remembers having used, to detect a lost key
   * without a floor. The oldest is forgotten beyond it. Default 100,000. Range 1 to 10,000,000.
   */
  readonly maxTrackedStreams?: number;
}

type ScriptReply = [number | string, (number | string)?, (string | Buffer)?];

/** ioredis client with this provider's scripts defined as commands (ioredis `defineCommand`). */
interface ScriptClient {
  whizbangSequenceNext(key: string, withFloor: string, create: string): Promise<ScriptReply>;
  whizbangSequenceSeed(key: string, floor: string, incarnation: string): Promise<number>;
  whizbangSequenceCover(key: string, incarnation: string, previous: string, raised: string): Promise<number>;
  whizbangSequenceCheckCovered(key: string, incarnation: string, number: string, skipTo: string): Promise<number>;
  whizbangSequenceReset(key: string, value: string, withFloor: string, incarnation: string): Promise<number>;
}

const SCRIPTS: Record<keyof ScriptClient, string> = {
  whizbangSequenceNext: NEXT_SCRIPT,
  whizbangSequenceSeed: SEED_SCRIPT,
  whizbangSequenceCover: COVER_SCRIPT,
  whizbangSequenceCheckCovered: CHECK_COVERED_SCRIPT,
  whizbangSequenceReset: RESET_SCRIPT,
};

/** Attempts of one getNext before it fails with SequenceAllocationError. */
const MAX_ATTEMPTS = 10;

/** Numbers of one call found covered by another incarnation before the counter skips past the floor. */
const SKIP_AFTER_MISSES = 3;

/** A floor raise of one stream, shared by the callers whose numbers it reaches. */
interface PendingRaise {
  /** Value the floor is raised to; callers may increase it until the raise starts. */
  target: number;
  /** Resolves with the floor from before the raise, once the covered range is recorded in Redis. */
  done: Promise<number>;
}

/** The raise in flight for one stream and key incarnation, and the one queued behind it. */
interface RaiseChain {
  readonly incarnation: string;
  running: PendingRaise | undefined;
  queued: PendingRaise | undefined;
}

/**
 * {@link SequenceProvider} backed by Redis, shared by every process that uses the same server
 * and key prefix. Each number is one atomic Lua script around `HINCRBY` (the INCR of a hash
 * field): one round trip while the durable floor covers the number.
 *
 * With a `floor` (recommended), numbers never repeat even when Redis loses the key. Before a
 * number above the covered range is handed out, the floor is raised past it. A missing key is
 * created again from the floor instead of at 1, atomically (`EXISTS` then `HSET` in one script).
 * See `docs/providers.md` for the full argument.
 *
 * The client fails fast: no offline queue, no automatic re-sending, a timeout per command. A
 * call during an outage rejects within `connectTimeoutMillis` (`RedisConnectionError`); a call
 * whose reply was lost rejects with `SequenceOutcomeUnknownError`, and its number, if one was
 * assigned, is never handed to any caller.
 *
 * @example
 * ```ts
 * const provider = new RedisSequenceProvider({
 *   url: 'redis://127.0.0.1:6379',
 *   floor: new PostgresSequenceFloor({ connectionString: 'postgres://app@127.0.0.1:5432/orders' }),
 * });
 * const first = await provider.getNext('order-42'); // 1
 * await provider.close();
 * ```
 */
export class RedisSequenceProvider implements SequenceProvider {
  readonly name = 'redis';

  readonly #connection: RedisConnection;
  readonly #scripts: ScriptClient;
  readonly #keyPrefix: string;
  readonly #floor: SequenceFloor | undefined;
  readonly #floorStep: number;
  readonly #withFloor: string;
  readonly #maxTrackedStreams: number;
  // Streams this instance handed out numbers for (only without a floor), oldest first.
  readonly #usedStreams = new Set<string>();
  readonly #raises = new Map<string, RaiseChain>();

  /**
   * Creates the provider. The connection opens on the first call.
   *
   * @throws TypeError or RangeError naming an invalid option.
   */
  constructor(options: RedisSequenceProviderOptions) {
    this.#connection = openRedisConnection(options, 'RedisSequenceProvider');

    const keyPrefix = options.keyPrefix ?? 'whizbang:sequence:';
    if (typeof keyPrefix !== 'string' || keyPrefix.length > 256) {
      throw new TypeError(`options.keyPrefix must be a string of at most 256 characters, received ${describeReceivedValue(keyPrefix)}.`);
    }
    this.#keyPrefix = keyPrefix;

    const floor = options.floor;
    if (floor !== undefined && (typeof floor !== 'object' || floor === null || typeof floor.load !== 'function' || typeof floor.raise !== 'function')) {
      throw new TypeError(`options.floor must be a SequenceFloor with load and raise methods, received ${describeReceivedValue(floor)}.`);
    }
    this.#floor = floor;
    this.#withFloor = floor === undefined ? '0' : '1';
    this.#floorStep = integerOption(options.floorStep, 'floorStep', 100, 1, 1_000_000);
    this.#maxTrackedStreams = integerOption(options.maxTrackedStreams, 'maxTrackedStreams', 100_000, 1, 10_000_000);

    const client: Redis = this.#connection.client;
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua });
    this.#scripts = client as unknown as ScriptClient;
  }

  /**
   * Assigns and returns the next number of `streamKey`.
   *
   * Abort: a signal aborted before the call rejects with its reason and takes no number. An
   * abort during the call takes effect after the round trip in flight (bounded by
   * `commandTimeoutMillis`); a number drawn by then is skipped.
   *
   * @throws TypeError or RangeError for an invalid `streamKey`.
   * @throws RangeError when the stream has reached `Number.MAX_SAFE_INTEGER`.
   * @throws SequenceKeyLostError when the key vanished and no floor is configured.
   * @throws RedisConnectionError, RedisCommandError or SequenceOutcomeUnknownError when Redis
   * fails, and the floor's own errors when it fails.
   */
  async getNext(streamKey: string, signal?: AbortSignal): Promise<number> {
    validateStoredStreamKey(streamKey, 'streamKey', NUL_REASON);
    signal?.throwIfAborted();
    const key = this.#keyPrefix + streamKey;

    if (this.#floor === undefined) return this.#nextWithoutFloor(key, streamKey, signal);
    return this.#nextWithFloor(this.#floor, key, streamKey, signal);
  }

  /**
   * Returns the last number handed out for `streamKey`, or 0 for an unknown stream. When the key
   * is missing and a floor is configured, returns the floor (at most `floorStep - 1` above the
   * last number handed out).
   *
   * @throws SequenceKeyLostError when the key vanished and no floor is configured.
   */
  async getCurrent(streamKey: string, signal?: AbortSignal): Promise<number> {
    validateStoredStreamKey(streamKey, 'streamKey', NUL_REASON);
    signal?.throwIfAborted();
    const key = this.#keyPrefix + streamKey;

    const value = await this.#send('read', () => this.#connection.client.hget(key, 'v'));
    if (value !== null) return parseStoredCounter(value, streamKey);

    if (this.#floor !== undefined) return this.#floor.load(streamKey, signal);
    if (this.#usedStreams.has(streamKey)) throw new SequenceKeyLostError(streamKey, key);
    return 0;
  }

  /**
   * Sets the counter of `streamKey` so that the next `getNext` returns `newValue + 1`. With a
   * floor, the floor is raised to `newValue` first, so a key lost after a reset forwards does not
   * go back below it. The floor never goes down, so after a reset backwards and a lost key the
   * numbering continues above the highest number ever covered.
   *
   * @throws TypeError or RangeError for an invalid `streamKey` or `newValue`.
   */
  async reset(streamKey: string, newValue = 0, signal?: AbortSignal): Promise<void> {
    validateStoredStreamKey(streamKey, 'streamKey', NUL_REASON);
    validateCounterValue(newValue, 'newValue');
    signal?.throwIfAborted();
    const key = this.#keyPrefix + streamKey;

    if (this.#floor !== undefined) await this.#floor.raise(streamKey, newValue, signal);
    signal?.throwIfAborted();
    await this.#send('write', () => this.#scripts.whizbangSequenceReset(key, String(newValue), this.#withFloor, newIncarnation()));
    if (this.#floor === undefined) this.#rememberStream(streamKey);
  }

  /** Disconnects the client if this provider created it. The floor is left open. */
  async close(): Promise<void> {
    if (!this.#connection.ownsClient || this.#connection.client.status === 'end') return;
    await this.#connection.client.quit().catch(() => this.#connection.client.disconnect());
  }

  async #nextWithoutFloor(key: string, streamKey: string, signal: AbortSignal | undefined): Promise<number> {
    // A key this instance never used may be created at 0; one it used must still exist.
    const create = this.#usedStreams.has(streamKey) ? '0' : '1';
    const reply = await this.#send('write', () => this.#scripts.whizbangSequenceNext(key, '0', create));
    signal?.throwIfAborted();

    const status = Number(reply[0]);
    if (status === NextStatus.missing) throw new SequenceKeyLostError(streamKey, key);
    if (status === NextStatus.exhausted) throw exhaustedError(streamKey);

    const number = parseStoredCounter(reply[1], streamKey);
    this.#rememberStream(streamKey);
    return number;
  }

  async #nextWithFloor(floor: SequenceFloor, key: string, streamKey: string, signal: AbortSignal | undefined): Promise<number> {
    let rejected = 0;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      signal?.throwIfAborted();
      const reply = await this.#send('write', () => this.#scripts.whizbangSequenceNext(key, '1', '0'));
      const status = Number(reply[0]);

      if (status === NextStatus.issued) return parseStoredCounter(reply[1], streamKey);
      if (status === NextStatus.exhausted) throw exhaustedError(streamKey);

      if (status === NextStatus.missing) {
        // The key is new or was lost: create it at the floor, unless another caller did first.
        const start = await floor.load(streamKey, signal);
        await this.#send('write', () => this.#scripts.whizbangSequenceSeed(key, String(start), newIncarnation()));
        continue;
      }

      const number = parseStoredCounter(reply[1], streamKey);
      const incarnation = String(reply[2] ?? '');
      const raise = await this.#raiseFloorFor(floor, key, streamKey, number, incarnation);
      if (raise.ownsNumber) return number;

      // The floor already covered `number` before this caller's raise. That is safe only when
      // this incarnation's covered range contains it, because another caller of the same
      // incarnation covered it. Otherwise another incarnation, before the key was lost, may have
      // handed it out. After repeated misses the counter skips past the floor, leaving a gap.
      rejected++;
      const skipTo = rejected >= SKIP_AFTER_MISSES ? String(raise.floor) : '';
      const covered = await this.#send('write', () =>
        this.#scripts.whizbangSequenceCheckCovered(key, incarnation, String(number), skipTo),
      );
      if (Number(covered) === 1) return number;
    }

    throw new SequenceAllocationError(
      `No number could be allocated for stream ${JSON.stringify(streamKey)} in ${MAX_ATTEMPTS} attempts: each number ` +
        'drawn from Redis was already covered by the durable floor (after a lost key, or under heavy contention). ' +
        'The skipped numbers are gaps, not duplicates. Retry the call.',
    );
  }

  /**
   * Makes sure the durable floor covers `number`. `ownsNumber` is true when the raise that
   * covered it moved the floor from below `number` to at least it: then no other caller in any
   * process or key incarnation can have handed it out. `floor` is a value the floor has reached.
   *
   * Raises of one stream run one after another in this instance, and callers whose numbers a
   * raise reaches share it (group commit). So concurrent callers cost one floor write per wave.
   * No raise of a higher number overtakes a lower one, which would leave the lower number
   * covered by someone else and so skipped.
   */
  async #raiseFloorFor(
    floor: SequenceFloor,
    key: string,
    streamKey: string,
    number: number,
    incarnation: string,
  ): Promise<{ ownsNumber: boolean; floor: number }> {
    const requestedTarget = Math.min(number + this.#floorStep - 1, Number.MAX_SAFE_INTEGER);
    let chain = this.#raises.get(streamKey);
    if (chain !== undefined && chain.incarnation !== incarnation) chain = undefined;

    let raise: PendingRaise;
    if (chain?.running !== undefined && chain.running.target >= number) {
      raise = chain.running;
    } else if (chain?.queued !== undefined) {
      raise = chain.queued;
      raise.target = Math.max(raise.target, requestedTarget);
    } else {
      const newChain: RaiseChain = chain ?? { incarnation, running: undefined, queued: undefined };
      if (chain === undefined) this.#raises.set(streamKey, newChain);
      raise = this.#startRaise(floor, key, streamKey, newChain, requestedTarget);
    }

    const previous = await raise.done;
    return { ownsNumber: number > previous, floor: Math.max(previous, raise.target) };
  }

  /** Creates a raise that runs after the one in flight, or at once when none is. */
  #startRaise(floor: SequenceFloor, key: string, streamKey: string, chain: RaiseChain, target: number): PendingRaise {
    const before = chain.running?.done.catch(() => undefined);
    const raise: PendingRaise = { target, done: Promise.resolve(0) };

    raise.done = (async () => {
      if (before !== undefined) await before;
      // Callers may have raised the target while this raise was queued; from here it is fixed.
      chain.queued = chain.queued === raise ? undefined : chain.queued;
      chain.running = raise;
      const finalTarget = raise.target;

      // A shared raise serves several callers, so no single caller's abort signal cancels it.
      const previous = await floor.raise(streamKey, finalTarget);
      await this.#send('write', () =>
        this.#scripts.whizbangSequenceCover(key, chain.incarnation, String(previous), String(Math.max(previous, finalTarget))),
      );
      return previous;
    })().finally(() => {
      if (chain.running === raise) chain.running = undefined;
      if (chain.running === undefined && chain.queued === undefined && this.#raises.get(streamKey) === chain) {
        this.#raises.delete(streamKey);
      }
    });

    if (before === undefined) chain.running = raise;
    else chain.queued = raise;
    return raise;
  }

  #rememberStream(streamKey: string): void {
    if (this.#usedStreams.has(streamKey)) return;

    this.#usedStreams.add(streamKey);
    if (this.#usedStreams.size > this.#maxTrackedStreams) {
      const oldest = this.#usedStreams.values().next().value as string;
      this.#usedStreams.delete(oldest);
    }
  }

  async #send<T>(kind: CommandKind, command: () => Promise<T>): Promise<T> {
    const ready = whenReady(this.#connection);
    if (ready !== undefined) await ready;
    try {
      return await command();
    } catch (error) {
      throw wrapCommandError(error, this.#connection, kind);
    }
  }
}

function newIncarnation(): string {
  return randomBytes(8).toString('hex');
}

function exhaustedError(streamKey: string): RangeError {
  return new RangeError(
    `Stream ${JSON.stringify(streamKey)} has reached Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER}), so the next ` +
      'number cannot be represented exactly. Reset the stream or use a new stream key.',
  );
}
