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
 * The parts of an execution that only some calls have: the call site of the code that called
 * `execute()` (with `captureCallers`), the handler's own abort controller (with a timeout or a
 * caller signal) and the link to the caller's signal. They live outside `Execution`, so that a
 * message without them keeps one field alive instead of three while it is queued.
 */
export class ExecutionExtras {
  /** Keeps this class's map alive, for the reason given at `Execution.mapAnchor`. */
  private static readonly mapAnchor = new ExecutionExtras(undefined);

  controller: AbortController | undefined = undefined;
  signalLink: CallerSignalLink | undefined = undefined;

  constructor(readonly caller: CallSiteInfo | undefined) {}
}

/**
 * Bookkeeping of one accepted `execute()` call: its arguments, its caller's promise callbacks
 * and the links of the list it is in. There is one per message, kept small because a burst of
 * queued messages keeps one each alive: 10 fields, with the parts only some calls need in
 * {@link ExecutionExtras}.
 *
 * The fields are declared with `declare` and assigned once in the constructor, so each is
 * written once per message instead of being defined as undefined by a field initializer first.
 */
export class Execution {
  /**
   * An execution that is never run, kept for the life of the process so that the hidden class
   * (V8 map) of executions stays alive. V8 reaches that map from the constructor's initial map
   * only through a weak transition. A full garbage collection with no execution alive, for
   * example between two bursts of messages, frees the map and deoptimises every compiled
   * function that handled executions. The next burst then runs in unoptimised code until V8
   * compiles those functions again. In a local measurement (Node 20.20, bursts of 1,016
   * messages through a `ParallelExecutor` with a forced collection between bursts) that took
   * 2.3 µs per message instead of 0.9 µs.
   *
   * Its fields hold values of the same kinds as other executions' fields, so its map is the one
   * they all end up with, and later stores change that map in place.
   */
  private static readonly mapAnchor = new Execution(
    Object.freeze({}) as unknown as MessageEnvelope<unknown>,
    rejectUnset,
    Object.freeze({}) as unknown as PolicyContext<unknown>,
    undefined,
  );

  /** Neighbours in the queue, running or overdue list (see `ExecutionList`). */
  declare prev: Execution | undefined;
  declare next: Execution | undefined;

  declare phase: ExecutionPhase;

  /**
   * `performance.now()` when the handler started, in milliseconds, or undefined when nothing
   * needed its duration (see the `measureDurations` option). With a timeout it is always set,
   * and the deadline is `startedAt + timeoutMs`.
   */
  declare startedAt: number | undefined;

  /** Created on first use by a call that has a caller call site, a controller or a signal link. */
  declare extras: ExecutionExtras | undefined;

  declare resolve: (value: unknown) => void;
  declare reject: (reason: unknown) => void;

  declare readonly envelope: MessageEnvelope<unknown>;
  declare readonly handler: Handler<unknown, unknown>;
  declare readonly context: PolicyContext<unknown>;

  constructor(
    envelope: MessageEnvelope<unknown>,
    handler: Handler<unknown, unknown>,
    context: PolicyContext<unknown>,
    caller: CallSiteInfo | undefined,
  ) {
    this.prev = undefined;
    this.next = undefined;
    this.phase = QUEUED;
    this.startedAt = undefined;
    this.extras = caller === undefined ? undefined : new ExecutionExtras(caller);
    this.resolve = rejectUnset;
    this.reject = rejectUnset;
    this.envelope = envelope;
    this.handler = handler;
    this.context = context;
  }

  /** Call site of the code that called `execute()`, when `captureCallers` captured one. */
  get caller(): CallSiteInfo | undefined {
    return this.extras?.caller;
  }

  /** Present when the handler has its own signal (a timeout or a caller signal is involved). */
  get controller(): AbortController | undefined {
    return this.extras?.controller;
  }

  set controller(controller: AbortController | undefined) {
    // Clearing a controller that was never set must not create the extras.
    if (controller !== undefined || this.extras !== undefined) {
      this.ensureExtras().controller = controller;
    }
  }

  /** Link to the caller's signal, present while the caller passed one and is still waiting. */
  get signalLink(): CallerSignalLink | undefined {
    return this.extras?.signalLink;
  }

  set signalLink(link: CallerSignalLink | undefined) {
    if (link !== undefined || this.extras !== undefined) {
      this.ensureExtras().signalLink = link;
    }
  }

  private ensureExtras(): ExecutionExtras {
    this.extras ??= new ExecutionExtras(undefined);
    return this.extras;
  }
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
