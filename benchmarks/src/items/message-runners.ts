import { ParallelExecutor, SerialExecutor, type ExecutorOptions } from '@whizbang/execution';
import { createEnvelope, type MessageEnvelope, type PolicyContext } from '@whizbang/observability';
import { createPolicies } from '@whizbang/policies';
import { bulkhead } from 'cockatiel';
import fastq from 'fastq';
import PQueue from 'p-queue';
import pLimit from 'p-limit';

import { handleNothing, runAll } from '../harness/run-all.js';

/** Runs `count` no-op messages and resolves when every one has been handled. */
export type MessageRun = (count: number) => Promise<void>;

interface BenchMessage {
  readonly type: string;
}

/** Creates a routed envelope and its policy context, for executors that record no hop (nothing mutates them). */
export function createSharedInput(): { envelope: MessageEnvelope<BenchMessage>; context: PolicyContext<BenchMessage> } {
  const engine = createPolicies<BenchMessage>()
    .otherwise((config) => config.useTopic('orders'))
    .build();
  const envelope = createEnvelope<BenchMessage>({ type: 'OrderPlaced' });
  envelope.setRouting({ topic: 'orders', streamKey: 'order-42', partitionIndex: 0, sequenceNumber: 1 });
  return { envelope, context: engine.createContext(envelope) };
}

/** Creates `count` routed envelopes with their contexts, for executors that append a hop to each. */
export function createFreshInputs(count: number): { envelope: MessageEnvelope<BenchMessage>; context: PolicyContext<BenchMessage> }[] {
  const { context } = createSharedInput();
  return Array.from({ length: count }, (_, index) => {
    const envelope = createEnvelope<BenchMessage>({ type: 'OrderPlaced' });
    envelope.setRouting({ topic: 'orders', streamKey: 'order-42', partitionIndex: 0, sequenceNumber: index + 1 });
    // The executor hands the context to the handler and reads nothing from it, so one is shared.
    return { envelope, context };
  });
}

/**
 * Creates a started executor (serial when `concurrency` is 1, else parallel) that records no hops
 * unless `options` requests them.
 */
export async function startExecutor(concurrency: number, options: ExecutorOptions = {}): Promise<SerialExecutor | ParallelExecutor> {
  const executor =
    concurrency === 1
      ? new SerialExecutor({ recordHops: false, ...options })
      : new ParallelExecutor({ recordHops: false, maxConcurrency: concurrency, ...options });
  await executor.start();
  return executor;
}

/** `execute()` of `executor` for every message, on one shared envelope (the executor must record no hops). */
export function executorRun(executor: SerialExecutor | ParallelExecutor): MessageRun {
  const { envelope, context } = createSharedInput();
  return (count) => runAll(count, () => executor.execute(envelope, handleNothing, context));
}

/**
 * Submits each message only after the previous one settled (`for (…) await submit()`), the way a
 * consumer awaiting each result drives a serial queue.
 */
export function oneByOne(submit: () => PromiseLike<unknown>): MessageRun {
  return async (count) => {
    for (let index = 0; index < count; index++) {
      await submit();
    }
  };
}

/** `execute()` of `executor`, awaited one message at a time (the executor must record no hops). */
export function executorOneByOne(executor: SerialExecutor | ParallelExecutor): MessageRun {
  const { envelope, context } = createSharedInput();
  return oneByOne(() => executor.execute(envelope, handleNothing, context));
}

/** fastq's promise queue with one worker, awaited one message at a time. */
export function fastqOneByOne(): MessageRun {
  const queue = fastq.promise(handleNothing, 1);
  const message = { type: 'OrderPlaced' };
  return oneByOne(() => queue.push(message));
}

/** p-queue with concurrency 1, awaited one message at a time. */
export function pQueueOneByOne(): MessageRun {
  const queue = new PQueue({ concurrency: 1 });
  const message = { type: 'OrderPlaced' };
  return oneByOne(() => queue.add(() => handleNothing(message)));
}

/** Runs the plainest serial loop: `for (…) await handler(message)`. */
export function rawLoopRun(): MessageRun {
  const message = { type: 'OrderPlaced' };
  return async (count) => {
    for (let index = 0; index < count; index++) {
      await handleNothing(message);
    }
  };
}

/** fastq's promise queue (fastq 1.x) with `concurrency` workers. */
export function fastqRun(concurrency: number): MessageRun {
  const queue = fastq.promise(handleNothing, concurrency);
  const message = { type: 'OrderPlaced' };
  return (count) => runAll(count, () => queue.push(message));
}

/** p-queue (9.x) with `concurrency`; each message is added as a task closure, as p-queue expects. */
export function pQueueRun(concurrency: number): MessageRun {
  const queue = new PQueue({ concurrency });
  const message = { type: 'OrderPlaced' };
  return (count) => runAll(count, () => queue.add(() => handleNothing(message)));
}

/** p-limit (7.x) with `concurrency`. */
export function pLimitRun(concurrency: number): MessageRun {
  const limit = pLimit(concurrency);
  const message = { type: 'OrderPlaced' };
  return (count) => runAll(count, () => limit(() => handleNothing(message)));
}

/** cockatiel's bulkhead policy (3.x) with `slots` running and `queue` waiting. */
export function cockatielRun(slots: number, queue: number): MessageRun {
  const policy = bulkhead(slots, queue);
  const message = { type: 'OrderPlaced' };
  return (count) => runAll(count, () => policy.execute(() => handleNothing(message)));
}


/** Placeholder resolving function, replaced by `captureResolvers` before the record is used. */
function settleNothing(): void {}

/**
 * A message waiting in a {@link MinimalPromiseQueue}, with its caller's resolving functions. A
 * class, not an object literal: V8 tracks object literals by allocation site and, once a burst
 * of 100,000 queued records has survived, allocates later ones from that site directly in the
 * old generation. That made the one-by-one floor four times slower after an all-at-once run in
 * the same process; the executors' records are class instances too.
 */
class QueuedMessage {
  /**
   * A record kept alive so that a full collection between two runs does not free the class's
   * map and deoptimise the queue's code, as the executors' `Execution` class does for its own.
   */
  static readonly mapAnchor = new QueuedMessage(undefined);

  resolve: (value: unknown) => void = settleNothing;
  reject: (reason: unknown) => void = settleNothing;
  next: QueuedMessage | undefined = undefined;

  constructor(readonly message: unknown) {}
}

// Set just before `new Promise(captureResolvers)`, which calls its executor synchronously, so the
// queue creates no executor closure per message (the executors under test do the same).
let pendingMessage: QueuedMessage | undefined;

function captureResolvers(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  const queued = pendingMessage as QueuedMessage;
  queued.resolve = resolve;
  queued.reject = reject;
}

/** The `then` callbacks of one slot, created once per slot instead of once per message. */
class Slot {
  current: QueuedMessage | undefined = undefined;
  readonly onFulfilled: (value: unknown) => void;
  readonly onRejected: (error: unknown) => void;

  constructor(queue: MinimalPromiseQueue) {
    this.onFulfilled = (value) => {
      queue.finish(this, true, value);
    };
    this.onRejected = (error) => {
      queue.finish(this, false, error);
    };
  }
}

/**
 * The minimum work of a queue that gives each caller a promise of its own and settles it
 * itself, which is what lets an executor reject a caller on a timeout, an abort or a stop before
 * the handler settles. Per message it allocates one record and one promise with its
 * resolving functions, keeps the record in a FIFO list, calls the handler once and adds one
 * reaction to the handler's promise. It has no argument checks, lifecycle, timeouts, abort
 * signals or metrics, so it is a measure of that design's cost, not a usable queue.
 */
class MinimalPromiseQueue {
  private head: QueuedMessage | undefined = undefined;
  private tail: QueuedMessage | undefined = undefined;
  private readonly freeSlots: Slot[] = [];

  constructor(
    private readonly handler: (message: unknown) => Promise<unknown>,
    concurrency: number,
  ) {
    for (let index = 0; index < concurrency; index++) {
      this.freeSlots.push(new Slot(this));
    }
  }

  push(message: unknown): Promise<unknown> {
    const queued = new QueuedMessage(message);
    pendingMessage = queued;
    const promise = new Promise<unknown>(captureResolvers);
    pendingMessage = undefined;

    if (this.head === undefined && this.freeSlots.length !== 0) {
      this.start(queued);
    } else if (this.tail === undefined) {
      this.head = queued;
      this.tail = queued;
    } else {
      this.tail.next = queued;
      this.tail = queued;
    }

    return promise;
  }

  finish(slot: Slot, ok: boolean, value: unknown): void {
    const queued = slot.current as QueuedMessage;
    slot.current = undefined;
    this.freeSlots.push(slot);

    if (ok) {
      queued.resolve(value);
    } else {
      queued.reject(value);
    }

    const next = this.head;

    if (next !== undefined) {
      this.head = next.next;

      if (this.head === undefined) {
        this.tail = undefined;
      }

      this.start(next);
    }
  }

  private start(queued: QueuedMessage): void {
    const slot = this.freeSlots.pop() as Slot;
    slot.current = queued;
    this.handler(queued.message).then(slot.onFulfilled, slot.onRejected);
  }
}

/**
 * Runs messages through a {@link MinimalPromiseQueue} with `concurrency` slots: the floor of a
 * queue that hands every caller its own promise, measured in the same run as the executors.
 */
export function minimalQueueRun(concurrency: number): MessageRun {
  const queue = new MinimalPromiseQueue(handleNothing, concurrency);
  const message = { type: 'OrderPlaced' };
  return (count) => runAll(count, () => queue.push(message));
}

/** Runs messages through a {@link MinimalPromiseQueue} with one slot, awaited one at a time. */
export function minimalQueueOneByOne(): MessageRun {
  const queue = new MinimalPromiseQueue(handleNothing, 1);
  const message = { type: 'OrderPlaced' };
  return oneByOne(() => queue.push(message));
}

