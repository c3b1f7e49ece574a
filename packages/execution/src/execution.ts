import type { CallSiteInfo, MessageEnvelope, PolicyContext } from '@whizbang/observability';

import type { CallerSignalLink } from './caller-signals.js';
import type { Handler } from './execution-strategy.js';

/** Waiting in the bulkhead queue for a slot. */
export const QUEUED = 0;

/** Handler running, caller still waiting for its result (the only phase with a pending caller). */
export const RUNNING = 1;

/** Handler still running, but its caller was already settled (timeout, abort, stop, failure). */
export const OVERDUE = 2;

/** Handler settled, or removed from the queue before it ran. */
export const DONE = 3;

/** Phase of an {@link Execution}: one of `QUEUED`, `RUNNING`, `OVERDUE`, `DONE`. */
export type ExecutionPhase = typeof QUEUED | typeof RUNNING | typeof OVERDUE | typeof DONE;

/**
 * Bookkeeping of one accepted `execute()` call: its arguments, its caller's promise callbacks
 * and the links of the list it is in. There is one per message, kept small because a burst of
 * queued messages keeps one each alive. Data needed only sometimes (the caller signal link)
 * lives in a separate object.
 */
export class Execution {
  /** Neighbours in the queue, running or overdue list (see `ExecutionList`). */
  prev: Execution | undefined = undefined;
  next: Execution | undefined = undefined;

  phase: ExecutionPhase = QUEUED;

  /**
   * `performance.now()` when the handler started, in milliseconds. With a timeout, the deadline
   * is `startedAt + timeoutMs`.
   */
  startedAt = 0;

  /** Present when the handler has its own signal (a timeout or a caller signal is involved). */
  controller: AbortController | undefined = undefined;

  /** Link to the caller's signal, present while the caller passed one and is still waiting. */
  signalLink: CallerSignalLink | undefined = undefined;

  resolve: (value: unknown) => void = rejectUnset;
  reject: (reason: unknown) => void = rejectUnset;

  constructor(
    readonly envelope: MessageEnvelope<unknown>,
    readonly handler: Handler<unknown, unknown>,
    readonly context: PolicyContext<unknown>,
    readonly caller: CallSiteInfo | undefined,
  ) {}
}

function rejectUnset(): void {
  throw new Error('Internal error: an execution was settled before its promise existed.');
}

// Set just before `new Promise(captureResolvers)`, which calls its executor synchronously: one
// shared function instead of a closure per message.
let pendingExecution: Execution | undefined;

function captureResolvers(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  const execution = pendingExecution as Execution;
  execution.resolve = resolve;
  execution.reject = reject;
}

/** Creates the promise returned to the caller of `execution`. */
export function createCallerPromise(execution: Execution): Promise<unknown> {
  pendingExecution = execution;
  const promise = new Promise<unknown>(captureResolvers);
  pendingExecution = undefined;
  return promise;
}
