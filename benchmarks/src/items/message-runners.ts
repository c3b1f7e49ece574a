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
