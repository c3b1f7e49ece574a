import { ExecutorStoppedError, type ExecutionStrategy, type Handler } from '@whizbang/execution';
import type { MessageEnvelope, PolicyContext } from '@whizbang/observability';

import type { Stream } from './stream.js';

/** Options of {@link InMemoryStream}. */
export interface InMemoryStreamOptions {
  readonly topic: string;
  readonly partitionIndex: number;

  /** Strategy of the lane; the lane starts it when it is still idle. */
  readonly strategy: ExecutionStrategy;

  /**
   * True when the strategy itself runs one message at a time in acceptance order (a serial
   * executor). The lane then passes messages straight through, which keeps strict lane order
   * across stream keys. Otherwise the lane keeps each stream's next message back until the
   * previous one settled.
   */
  readonly ordered: boolean;
}

/**
 * One message of a non-serial lane, from acceptance until its stream moves on. The lane's key
 * map stores the running turn of each key. The turns waiting behind it are linked through
 * `next`, and the running turn's `tail` points at the last of them.
 */
class Turn {
  /** Next message of the same stream key, waiting behind this one. */
  next: Turn | undefined = undefined;

  /** Last message of the stream key; kept up to date on the running turn only. */
  tail: Turn = this;
  handlerRunning = false;
  callerSettled = false;
  finished = false;
  cancelled = false;
  resolve: ((value: unknown) => void) | undefined = undefined;
  reject: ((reason: unknown) => void) | undefined = undefined;
  abortListener: (() => void) | undefined = undefined;

  constructor(
    readonly lane: InMemoryStream,
    readonly key: string,
    readonly envelope: MessageEnvelope<unknown>,
    readonly handler: Handler<unknown, unknown>,
    readonly context: PolicyContext<unknown>,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/**
 * In-process {@link Stream}: one lane of a topic partition over an `ExecutionStrategy`.
 *
 * Ordering: on a serial strategy every message runs in lane order, one at a time. On any other
 * strategy different stream keys run in parallel up to the strategy's concurrency, while each
 * key's messages run one at a time in lane order: the next one is handed to the strategy only
 * when the previous caller settled and its handler returned, so a timed-out handler that ignores
 * its signal still blocks its stream. Per-key state exists only while a key has messages, so
 * memory is bounded by the messages in flight, not by the number of keys ever seen.
 *
 * @example
 * ```ts
 * const lane = new InMemoryStream({ topic: 'orders', partitionIndex: 0, strategy: new ParallelExecutor({ maxConcurrency: 4, autoStart: true }), ordered: false });
 * const total = await lane.run(envelope, (env) => env.payload.amount, context);
 * ```
 */
export class InMemoryStream implements Stream {
  readonly topic: string;
  readonly partitionIndex: number;
  readonly name: string;
  readonly strategy: ExecutionStrategy;
  readonly ordered: boolean;

  /** Messages accepted since creation; the registry compares readings to detect idle lanes. */
  activity = 0;

  readonly #keys = new Map<string, Turn>();
  #pending = 0;
  #idleWaiters: (() => void)[] = [];
  #starting: Promise<void> | undefined;
  #closed = false;
  #stopped = false;
  readonly #settleOrdered = (): void => {
    this.#settled();
  };

  /** @throws TypeError when an option is missing or invalid. */
  constructor(options: InMemoryStreamOptions) {
    const { topic, partitionIndex, strategy, ordered } = options;
    if (typeof topic !== 'string' || topic === '') throw new TypeError(`Invalid topic: ${String(topic)}. Pass a non-empty string.`);
    if (!Number.isSafeInteger(partitionIndex) || partitionIndex < 0) {
      throw new TypeError(`Invalid partitionIndex: ${String(partitionIndex)}. Pass an integer from 0.`);
    }
    if (typeof strategy !== 'object' || strategy === null || typeof strategy.execute !== 'function') {
      throw new TypeError('Invalid strategy: pass an ExecutionStrategy such as new SerialExecutor({ autoStart: true }).');
    }

    this.topic = topic;
    this.partitionIndex = partitionIndex;
    this.name = `${topic}#${partitionIndex}`;
    this.strategy = strategy;
    this.ordered = ordered === true;

    if (strategy.state === 'idle') {
      // A strategy must be running before its first execute(). The built-in executors start
      // synchronously; for one that does not, messages chain behind the start, keeping order.
      const starting = strategy.start();
      starting.catch(() => undefined);
      if (strategy.state === 'idle') {
        this.#starting = starting.then(() => {
          this.#starting = undefined;
        });
        this.#starting.catch(() => undefined);
      }
    }
  }

  get pendingCount(): number {
    return this.#pending;
  }

  get activeStreamKeys(): number {
    return this.#keys.size;
  }

  run<TMessage, TResult>(
    envelope: MessageEnvelope<TMessage>,
    handler: Handler<TMessage, TResult>,
    context: PolicyContext<TMessage>,
    signal?: AbortSignal,
  ): Promise<TResult> {
    if (this.#closed) {
      return Promise.reject(new ExecutorStoppedError(this.name, `Stream ${this.name} is closed; the registry creates a new lane for later messages.`));
    }
    this.#pending += 1;
    this.activity += 1;

    if (this.#starting !== undefined) {
      return this.#starting.then(
        () => (this.#stopped ? this.#rejectStopped() : this.#accept(envelope as MessageEnvelope<unknown>, handler as Handler<unknown, unknown>, context as PolicyContext<unknown>, signal)),
        (error: unknown) => {
          this.#settled();
          throw error;
        },
      ) as Promise<TResult>;
    }
    return this.#accept(envelope, handler as Handler<unknown, unknown>, context, signal) as Promise<TResult>;
  }

  whenIdle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(signal?: AbortSignal): Promise<void> {
    this.#closed = true;

    try {
      await abortable(this.whenIdle(), signal);
    } catch (reason) {
      this.#stopped = true;
      this.#rejectHeldBack(reason);
      await this.strategy.stop(signal);
      throw reason;
    }
    await this.strategy.drain(signal);
  }

  #accept(envelope: MessageEnvelope<unknown>, handler: Handler<unknown, unknown>, context: PolicyContext<unknown>, signal: AbortSignal | undefined): Promise<unknown> {
    if (this.ordered) {
      const result = this.strategy.execute(envelope, handler, context, signal);
      result.then(this.#settleOrdered, this.#settleOrdered);
      return result;
    }

    const key = envelope.streamKey;
    if (key === undefined) {
      this.#settled();
      return Promise.reject(new TypeError(`Stream ${this.name}: the envelope of message ${envelope.messageId} has no routing. Set it with setRouting() first.`));
    }

    const turn = new Turn(this, key, envelope, handler, context, signal);
    const running = this.#keys.get(key);
    if (running === undefined) {
      this.#keys.set(key, turn);
      return this.#start(turn);
    }

    // Another message of this stream is running: hold this one back until it finished.
    if (signal?.aborted === true) {
      this.#settled();
      return Promise.reject(signal.reason as Error);
    }
    running.tail.next = turn;
    running.tail = turn;
    if (signal !== undefined) {
      turn.abortListener = () => this.#cancel(turn);
      signal.addEventListener('abort', turn.abortListener, { once: true });
    }
    return new Promise((resolve, reject) => {
      turn.resolve = resolve;
      turn.reject = reject;
    });
  }

  /**
   * The handler the strategy runs for every turn. The turn travels in the context argument, which
   * executors pass through untouched, so no closure is created per message.
   */
  static readonly #runTurn: Handler<unknown, unknown> = (envelope, context, signal) => {
    const turn = context as unknown as Turn;
    turn.handlerRunning = true;

    let result: unknown;
    try {
      result = turn.handler(envelope, turn.context, signal);
    } catch (error) {
      turn.lane.#handlerDone(turn);
      throw error;
    }
    if (!isPromiseLike(result)) {
      turn.lane.#handlerDone(turn);
      return result;
    }
    return result.then(
      (value) => {
        turn.lane.#handlerDone(turn);
        return value;
      },
      (error: unknown) => {
        turn.lane.#handlerDone(turn);
        throw error;
      },
    );
  };

  #start(turn: Turn): Promise<unknown> {
    const result = this.strategy.execute(turn.envelope, InMemoryStream.#runTurn, turn as unknown as PolicyContext<unknown>, turn.signal);
    const callerDone = (): void => {
      turn.callerSettled = true;
      if (!turn.handlerRunning) this.#finish(turn);
    };
    result.then(callerDone, callerDone);
    return result;
  }

  #handlerDone(turn: Turn): void {
    turn.handlerRunning = false;
    if (turn.callerSettled) this.#finish(turn);
  }

  /** Moves a stream past `turn` once both its caller settled and its handler returned. */
  #finish(turn: Turn): void {
    if (turn.finished) return;
    turn.finished = true;

    let next = turn.next;
    while (next?.cancelled === true) next = next.next;

    if (next === undefined) {
      this.#keys.delete(turn.key);
    } else {
      next.tail = turn.tail;
      this.#keys.set(turn.key, next);
      if (next.abortListener !== undefined) next.signal?.removeEventListener('abort', next.abortListener);
      void this.#start(next).then(next.resolve, next.reject);
    }
    this.#settled();
  }

  /** Rejects a held-back message whose signal aborted; its stream skips it later. */
  #cancel(turn: Turn): void {
    if (turn.cancelled || turn.finished) return;
    turn.cancelled = true;
    turn.reject?.(turn.signal?.reason);
    this.#settled();
  }

  #rejectStopped(): Promise<never> {
    this.#settled();
    return Promise.reject(new ExecutorStoppedError(this.name, `Stream ${this.name} was closed before the message ran.`));
  }

  #rejectHeldBack(reason: unknown): void {
    for (const running of this.#keys.values()) {
      for (let turn = running.next; turn !== undefined; turn = turn.next) {
        if (turn.cancelled) continue;
        turn.cancelled = true;
        turn.reject?.(new ExecutorStoppedError(this.name, `Stream ${this.name} was closed before the message ran.`, { cause: reason }));
        this.#settled();
      }
    }
  }

  #settled(): void {
    this.#pending -= 1;
    if (this.#pending === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Resolves with `promise`, or rejects with `signal.reason` when `signal` aborts first. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);

  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes the original rejection on unchanged
        reject(error);
      },
    );
  });
}
