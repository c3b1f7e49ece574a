import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';

import {
  captureCallSite,
  type Clock,
  type HopInit,
  type MessageEnvelope,
  type PolicyContext,
  UNKNOWN_CALLER,
} from '@whizbang/observability';
import { Observable, Subject } from 'rxjs';

import { Bulkhead } from './bulkhead.js';
import { CallerSignals } from './caller-signals.js';
import { ExecutionTimeoutError } from './errors/execution-timeout-error.js';
import { ExecutorFailedError } from './errors/executor-failed-error.js';
import { ExecutorNotStartedError } from './errors/executor-not-started-error.js';
import { ExecutorStoppedError } from './errors/executor-stopped-error.js';
import { ExecutionList } from './execution-list.js';
import { ExecutionCounters, type ExecutionMetrics } from './execution-metrics.js';
import type {
  ExecutionStrategy,
  ExecutorState,
  Handler,
  StopReport,
  UnfinishedExecution,
} from './execution-strategy.js';
import { createCallerPromise, DONE, Execution, OVERDUE, QUEUED, RUNNING } from './execution.js';
import type { ExecutorEvents } from './executor-events.js';
import { appendHop, type HopRecorder, type ResolvedExecutorOptions } from './executor-options.js';
import { EventHub, type EventSubscription } from './events.js';
import { checkExecuteArguments } from './execute-arguments.js';
import { SharedTimer } from './shared-timer.js';
import { SlotWatcher } from './slot-watcher.js';
import { createDeferred, noop, raceWithSignal, rejectWith, type Deferred } from './signals.js';
import { ReentrantWaiters } from './reentrant-waiters.js';
import { StopOperation } from './stop-operation.js';
import { describe, validateSignal } from './validation.js';


const EMPTY_REPORT: StopReport = Object.freeze({ rejectedQueued: 0, abortedRunning: 0, unfinished: Object.freeze([]) });

/**
 * Base of `SerialExecutor` and `ParallelExecutor`: a bulkhead (slots and a FIFO queue), one
 * shared timer for timeouts and metrics, and the lifecycle. Subclasses only fix the strategy
 * name and the concurrency limit.
 *
 * What counts as a failure of the executor itself (state `failed`, `completion` rejects, `error`
 * event, later calls rejected with `ExecutorFailedError`): the hop recorder throwing, the shared
 * timer's work throwing, or an internal bookkeeping step throwing. Handler errors, subscriber
 * errors (reported by RxJS) and listener errors (rethrown in a microtask) are not.
 */
export abstract class Executor implements ExecutionStrategy {
  readonly name: string;
  readonly metrics: Observable<ExecutionMetrics>;
  readonly completion: Promise<void>;

  private currentState: ExecutorState = 'idle';
  private readonly bulkhead: Bulkhead;
  private readonly running = new ExecutionList();
  private readonly overdue = new ExecutionList();
  private readonly counters = new ExecutionCounters();
  private readonly events = new EventHub<ExecutorEvents>();
  private readonly callerSignals: CallerSignals;
  private readonly timer: SharedTimer;
  private readonly snapshots = new Subject<ExecutionMetrics>();
  private readonly asyncContext: AsyncLocalStorage<Execution> | undefined;

  // Signal of every handler that has none of its own (no timeout, no caller signal); it aborts
  // on stop() or failure. One controller per executor instead of one per message, because
  // creating an AbortSignal costs about 2.5 µs on Node 20.
  private readonly lifetime = new AbortController();
  // Read once: AbortController#signal is a getter, and run() passes this signal to most handlers.
  private readonly lifetimeSignal = this.lifetime.signal;

  private readonly timeoutMs: number | undefined;

  // True when every handler call needs its start time: for its deadline, its hop's duration, or
  // because measureDurations is set. Otherwise the clock is read only while metrics has a
  // subscriber, because a clock read cost 80 to 100 ns in a local measurement (Node 20.20).
  // That is as much as the rest of a message's bookkeeping.
  private readonly timesEveryCall: boolean;
  private readonly recordHops: boolean;
  private readonly captureCallers: boolean;
  private readonly hopRecorder: HopRecorder;
  private readonly requireHopTarget: boolean;
  private readonly autoStart: boolean;
  private readonly clock: Clock;
  private readonly metricsIntervalMs: number;

  // The execution whose handler is being called synchronously right now, to recognise stop(),
  // drain() and execute() calls made from inside it.
  private currentExecution: Execution | undefined = undefined;
  private pumping = false;
  private nextSnapshotAt = Infinity;
  private finalized = false;
  private failure: ExecutorFailedError | undefined = undefined;
  private stopOperation: StopOperation | undefined = undefined;
  private drainDeferred: Deferred<void> | undefined = undefined;
  private drainPromise: Promise<void> | undefined = undefined;
  private readonly waiters = new ReentrantWaiters();
  private readonly freeWatchers: SlotWatcher[] = [];
  private readonly maxFreeWatchers: number;
  private reportCounts = { rejectedQueued: 0, abortedRunning: 0 };
  // When stop() began: the start of the wait reported for handlers whose start was not timed.
  private stopCalledAt: number | undefined = undefined;
  private readonly completionDeferred = createDeferred<void>();

  protected constructor(strategy: string, options: ResolvedExecutorOptions) {
    this.name = strategy;
    this.bulkhead = new Bulkhead({
      name: options.bulkheadName,
      maxConcurrency: options.maxConcurrency,
      maxQueue: options.maxQueue,
    });
    this.timeoutMs = options.timeoutMs;
    this.timesEveryCall = options.timeoutMs !== undefined || options.recordHops || options.measureDurations;
    this.recordHops = options.recordHops;
    this.captureCallers = options.captureCallers;
    this.hopRecorder = options.hopRecorder;
    // Only the default recorder is known to need addHop and a topic; a custom one decides itself.
    this.requireHopTarget = options.recordHops && options.hopRecorder === appendHop;
    this.autoStart = options.autoStart;
    this.clock = options.clock;
    this.metricsIntervalMs = options.metricsIntervalMs;
    this.asyncContext = options.trackAsyncContext ? new AsyncLocalStorage<Execution>() : undefined;
    this.maxFreeWatchers = Math.min(options.maxConcurrency, 1024);

    this.callerSignals = new CallerSignals((execution, reason) => {
      this.onCallerAborted(execution, reason);
    });
    this.timer = new SharedTimer((now) => {
      this.onTimer(now);
    });

    // Handlers that share the lifetime signal may each add an abort listener while they run. With
    // many slots that makes many listeners on a signal this executor owns, which is not a leak.
    setMaxListeners(0, this.lifetime.signal);

    this.completion = this.completionDeferred.promise;
    // Failure is reported through the error event and every later call too, so an unobserved
    // completion must not become an unhandled rejection.
    this.completion.catch(noop);

    this.metrics = new Observable<ExecutionMetrics>((subscriber) => {
      const subscription = this.snapshots.subscribe(subscriber);
      this.armSnapshots();
      return subscription;
    });
  }

  /** Current lifecycle state. */
  get state(): ExecutorState {
    return this.currentState;
  }

  /** True when no handler occupies a slot and no message is queued. */
  get isIdle(): boolean {
    return this.bulkhead.inFlight === 0 && this.bulkhead.waiting.length === 0;
  }

  /** Bulkhead name, shown in errors, metrics and events (defaults to the strategy name). */
  get bulkheadName(): string {
    return this.bulkhead.name;
  }

  /** Configured concurrency limit. */
  get maxConcurrency(): number {
    return this.bulkhead.maxConcurrency;
  }

  /** Configured queue limit. */
  get maxQueue(): number {
    return this.bulkhead.maxQueue;
  }

  /**
   * Adds a listener for one of the {@link ExecutorEvents}; `dispose()` the result to remove it.
   *
   * @example
   * ```ts
   * const subscription = executor.on('timeout', ({ envelope }) => log.warn(envelope.messageId));
   * subscription.dispose();
   * ```
   */
  on<K extends keyof ExecutorEvents>(event: K, listener: (event: ExecutorEvents[K]) => void): EventSubscription {
    return this.events.on(event, listener);
  }

  /**
   * Returns a metrics snapshot now. Unlike the periodic snapshots it does not reset
   * `maxDurationMs`, which covers the time since the last periodic snapshot. Its durations cover
   * only the `measured` calls: without a timeout, hops or `measureDurations`, those are the calls
   * that started while `metrics` had a subscriber.
   */
  readMetrics(): ExecutionMetrics {
    return this.createSnapshot(false);
  }

  /**
   * Runs `handler` once a slot is free: at once when a slot is free and the queue is empty (the
   * handler is then called synchronously, before `execute` returns), otherwise after every
   * message accepted before it has started. Records a hop on the envelope when the handler
   * settles.
   *
   * Rejects, without calling the handler, with a TypeError for invalid arguments,
   * `ExecutorNotStartedError` before `start()`, `ExecutorStoppedError` once draining or stopped,
   * `ExecutorFailedError` after a failure, `BulkheadRejectedError` when slots and queue are full,
   * and `signal.reason` when `signal` is already aborted. After admission it rejects with the
   * handler's error, `ExecutionTimeoutError`, `signal.reason` when `signal` aborts first, or
   * `ExecutorStoppedError`/`ExecutorFailedError` when the executor stops or fails first.
   *
   * @example
   * ```ts
   * const result = await executor.execute(envelope, async (env, context, signal) => handle(env.payload, signal), context);
   * ```
   */
  execute<TMessage, TResult>(
    envelope: MessageEnvelope<TMessage>,
    handler: Handler<TMessage, TResult>,
    context: PolicyContext<TMessage>,
    signal?: AbortSignal,
  ): Promise<TResult> {
    if (this.currentState !== 'running') {
      const stateError = this.checkAdmissionState();

      if (stateError !== undefined) {
        return this.rejectAdmission(envelope, stateError);
      }
    }

    // The usual call (a function, an object, no signal, no hop to check for) passes inline:
    // checkExecuteArguments is too large for V8 to inline, and calling it cost about 4% of a
    // message in a local measurement.
    const usualCall =
      typeof handler === 'function' && typeof envelope === 'object' && envelope !== null && signal === undefined && !this.requireHopTarget;

    if (!usualCall) {
      const argumentError = checkExecuteArguments(envelope, handler, signal, this.requireHopTarget);

      if (argumentError !== undefined) {
        return this.rejectAdmission(envelope, argumentError);
      }
    }

    if (signal !== undefined && signal.aborted) {
      return this.rejectAdmission(envelope, signal.reason);
    }

    const bulkhead = this.bulkhead;
    const runNow = bulkhead.canRunNow();

    if (!runNow && !bulkhead.canQueue()) {
      return this.rejectAdmission(envelope, bulkhead.createRejectedError());
    }

    // Captured here, synchronously, because only now is the caller of execute() on the stack.
    // The method is passed as a marker for the stack capture, never called through it.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const caller = this.captureCallers ? captureCallSite(this.execute) : undefined;
    const execution = new Execution(
      envelope,
      handler as unknown as Handler<unknown, unknown>,
      context,
      caller,
    );
    const promise = createCallerPromise(execution);

    this.counters.accepted++;

    if (signal !== undefined) {
      this.callerSignals.link(execution, signal);
    }

    if (runNow) {
      this.run(execution);
    } else {
      bulkhead.waiting.append(execution);
    }

    return promise as Promise<TResult>;
  }

  /**
   * Moves the executor from `idle` to `running`, and resolves at once when it is already running.
   * Rejects with `signal.reason` when `signal` is already aborted, and the executor stays idle.
   * Rejects with `ExecutorStoppedError` once draining or stopped, because an executor cannot be
   * restarted (create a new one), and with `ExecutorFailedError` after a failure.
   */
  start(signal?: AbortSignal): Promise<void> {
    try {
      validateSignal(signal, 'signal of start()');
    } catch (error) {
      return rejectWith(error);
    }

    if (signal?.aborted === true) {
      return rejectWith(signal.reason);
    }

    switch (this.currentState) {
      case 'idle':
        this.setState('running');
        this.armSnapshots();
        return Promise.resolve();
      case 'running':
        return Promise.resolve();
      case 'draining':
      case 'stopped':
        return Promise.reject(
          new ExecutorStoppedError(
            this.bulkhead.name,
            `Executor '${this.bulkhead.name}' is ${this.currentState} and cannot be restarted; create a new executor.`,
          ),
        );
      case 'failed':
        return rejectWith(this.failedAdmissionError());
    }
  }

  /**
   * Stops at once: admits nothing more, rejects every queued caller with its own
   * `ExecutorStoppedError` (the handler never runs), aborts the signal of every running handler,
   * then waits for the running handlers to settle. Their callers get the handlers' results.
   *
   * When `signal` aborts first (or is already aborted), the wait ends: callers still waiting are
   * rejected with `ExecutorStoppedError` (cause: the signal's reason) and the report lists the
   * handlers still running. Either way no caller's promise is pending once the report is out.
   *
   * Every call returns the same promise; the signal of each call can end the wait. A call from
   * inside one of this executor's handlers (see `trackAsyncContext`) does not wait for that
   * handler and gets its own promise. On a never-started executor it resolves at once.
   */
  stop(signal?: AbortSignal): Promise<StopReport> {
    try {
      validateSignal(signal, 'signal of stop()');
    } catch (error) {
      return rejectWith(error);
    }

    // Looked up before beginStop() aborts the handlers' signals and moves executions around.
    const calling = this.findCallingExecution(signal);

    if (this.stopOperation === undefined) {
      this.beginStop();
    }

    const operation = this.stopOperation as unknown as StopOperation;

    // A handler's own signal (or the shared one) is aborted by stop() itself, so it cannot serve
    // as the limit of the wait.
    if (signal !== undefined && signal !== this.lifetime.signal && signal !== calling?.controller?.signal) {
      operation.watch(signal);
    }

    if (calling !== undefined && !operation.finished) {
      return this.waiters.add(calling, 'stop', this.bulkhead.inFlight).then(() => this.reportNow());
    }

    return operation.promise;
  }

  /**
   * Stops gracefully: admits nothing more (state `draining`), lets every accepted message run,
   * and resolves once all of them have settled, handlers included. The executor is then
   * `stopped`. Resolves at once when nothing is running or queued.
   *
   * Rejects with `signal.reason` when `signal` aborts first (draining goes on; call `stop()` to
   * cut it short), with `ExecutorStoppedError` when `stop()` interrupts it, and with
   * `ExecutorFailedError` when the executor fails. Calls without a signal return the same promise.
   * A call from inside one of this executor's handlers does not wait for that handler.
   */
  drain(signal?: AbortSignal): Promise<void> {
    try {
      validateSignal(signal, 'signal of drain()');
    } catch (error) {
      return rejectWith(error);
    }

    if (signal?.aborted === true) {
      return rejectWith(signal.reason);
    }

    let promise = this.drainPromiseForState();

    // While draining, or stopping with handlers still running, the drain promise waits for every
    // handler, so a call from one of them must not wait for itself.
    if (!this.finalized) {
      const calling = this.findCallingExecution(signal);

      if (calling !== undefined) {
        promise = this.waiters.add(calling, 'drain', this.bulkhead.inFlight);
      }
    }

    return signal === undefined ? promise : raceWithSignal(promise, signal);
  }

  // ---------------------------------------------------------------------------------------------
  // Admission

  private checkAdmissionState(): Error | undefined {
    const name = this.bulkhead.name;

    switch (this.currentState) {
      case 'idle':
        if (this.autoStart) {
          this.setState('running');
          this.armSnapshots();
          return undefined;
        }

        return new ExecutorNotStartedError(
          name,
          `Executor '${name}' is idle: call start() before execute(), or create it with autoStart: true.`,
        );
      case 'draining':
        return new ExecutorStoppedError(name, `Executor '${name}' is draining and accepts no new messages.`);
      case 'stopped':
        return new ExecutorStoppedError(
          name,
          `Executor '${name}' is stopped and accepts no new messages; create a new executor to run more.`,
        );
      case 'failed':
        return this.failedAdmissionError();
      case 'running':
        return undefined;
    }
  }

  private rejectAdmission(envelope: unknown, error: unknown): Promise<never> {
    this.counters.rejected++;

    if (this.events.has('rejected')) {
      this.events.emit('rejected', { envelope, error });
    }

    return rejectWith(error);
  }

  private failedAdmissionError(): ExecutorFailedError {
    const name = this.bulkhead.name;
    const failure = this.failure as ExecutorFailedError;

    return new ExecutorFailedError(
      name,
      `Executor '${name}' has failed and accepts no new messages; create a new executor. The cause is the original failure.`,
      { cause: failure.cause },
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Running handlers

  private run(execution: Execution): void {
    this.bulkhead.inFlight++;
    execution.phase = RUNNING;

    if (this.timesEveryCall || this.snapshots.observed) {
      execution.startedAt = performance.now();
    }

    this.running.append(execution);

    let signal: AbortSignal;

    if (this.timeoutMs === undefined && execution.signalLink === undefined) {
      signal = this.lifetimeSignal;
    } else {
      const controller = new AbortController();
      execution.controller = controller;
      signal = controller.signal;

      if (this.timeoutMs !== undefined) {
        this.timer.schedule(startTimeOf(execution) + this.timeoutMs, true);
      }
    }

    const previous = this.currentExecution;
    this.currentExecution = execution;

    // Called through a local so the handler's `this` is undefined, not the Execution record.
    const handler = execution.handler;
    let result: unknown;

    try {
      result =
        this.asyncContext === undefined
          ? handler(execution.envelope, execution.context, signal)
          : this.asyncContext.run(execution, handler, execution.envelope, execution.context, signal);
    } catch (error) {
      this.currentExecution = previous;
      this.settleSafely(execution, false, error);
      return;
    }

    this.currentExecution = previous;
    this.watch(execution, result);
  }

  private watch(execution: Execution, result: unknown): void {
    if (result instanceof Promise) {
      const watcher = this.lendWatcher(execution);
      result.then(watcher.onFulfilled, watcher.onRejected);
      return;
    }

    if ((typeof result === 'object' && result !== null) || typeof result === 'function') {
      let then: unknown;

      try {
        then = (result as { then?: unknown }).then;
      } catch (error) {
        this.settleSafely(execution, false, error);
        return;
      }

      if (typeof then === 'function') {
        // Promise.resolve adopts a foreign thenable safely: it calls then() once, in a job, and
        // ignores a second settlement.
        const watcher = this.lendWatcher(execution);
        Promise.resolve(result).then(watcher.onFulfilled, watcher.onRejected);
        return;
      }
    }

    this.settleSafely(execution, true, result);
  }

  private lendWatcher(execution: Execution): SlotWatcher {
    const watcher = this.freeWatchers.pop() ?? new SlotWatcher(this.onWatcherSettled);
    watcher.execution = execution;
    return watcher;
  }

  private readonly onWatcherSettled = (watcher: SlotWatcher, ok: boolean, value: unknown): void => {
    const execution = watcher.execution as Execution;
    watcher.execution = undefined;

    // Returned before settling: settling may start the next handler, which can borrow it.
    if (this.freeWatchers.length < this.maxFreeWatchers) {
      this.freeWatchers.push(watcher);
    }

    this.settleSafely(execution, ok, value);
  };

  private settleSafely(execution: Execution, ok: boolean, value: unknown): void {
    try {
      this.settle(execution, ok, value);
    } catch (error) {
      this.fail(error, 'finishing a handler call');
    }
  }

  private settle(execution: Execution, ok: boolean, value: unknown): void {
    if (execution.phase !== RUNNING && execution.phase !== OVERDUE) {
      throw new Error(`Internal error: a handler settled twice (phase ${execution.phase}).`);
    }

    const startedAt = execution.startedAt;
    const durationMs = startedAt === undefined ? 0 : performance.now() - startedAt;
    const counters = this.counters;
    // Only a RUNNING execution's caller is still waiting; an OVERDUE one was already settled.
    const wasOverdue = execution.phase === OVERDUE;

    counters.executed++;

    if (!ok) {
      counters.failed++;
    }

    if (startedAt !== undefined) {
      counters.recordDuration(durationMs);
    }

    (wasOverdue ? this.overdue : this.running).remove(execution);
    execution.phase = DONE;
    execution.controller = undefined;

    if (execution.signalLink !== undefined) {
      this.callerSignals.unlink(execution);
    }

    let hopError: unknown;
    let hopFailed = false;

    if (this.recordHops) {
      try {
        this.recordHop(execution, durationMs);
      } catch (error) {
        hopError = error;
        hopFailed = true;
      }
    }

    if (!wasOverdue) {
      if (ok) {
        execution.resolve(value);
      } else {
        execution.reject(value);
      }
    }

    if (!ok && this.events.has('failure')) {
      this.events.emit('failure', { envelope: execution.envelope, error: value, overdue: wasOverdue });
    }

    if (hopFailed) {
      // Before the slot is released, so no queued message starts on a failed executor.
      this.fail(hopError, 'recording the hop of a message');
    }

    this.releaseSlot();
  }

  private recordHop(execution: Execution, durationMs: number): void {
    const envelope = execution.envelope;
    const init: HopInit = {
      topic: envelope.topic ?? '',
      streamKey: envelope.streamKey ?? '',
      executionStrategy: this.name,
      durationMs,
      clock: this.clock,
    };

    const partitionIndex = envelope.partitionIndex;
    const sequenceNumber = envelope.sequenceNumber;

    if (partitionIndex !== undefined) {
      init.partitionIndex = partitionIndex;
    }

    if (sequenceNumber !== undefined) {
      init.sequenceNumber = sequenceNumber;
    }

    this.hopRecorder(envelope, init, execution.caller ?? UNKNOWN_CALLER);
  }

  private releaseSlot(): void {
    const bulkhead = this.bulkhead;

    bulkhead.inFlight--;

    if (bulkhead.inFlight < 0) {
      throw new Error(`Internal error: slot count of bulkhead '${bulkhead.name}' went negative.`);
    }

    if (this.pumping) {
      // The pump loop in progress hands the slot on and checks for idleness when it ends.
    } else if (bulkhead.waiting.length !== 0) {
      // The freed slot goes straight to the oldest queued message, in this same synchronous step,
      // so no execute() call can take it in between.
      this.pump();
    } else if (bulkhead.inFlight === 0) {
      this.onIdle();
    }

    if (this.timeoutMs !== undefined && this.running.head === undefined) {
      // No deadline left: the armed timer must not hold the process open on its own.
      this.timer.release();
    }

    if (this.waiters.length !== 0) {
      this.waiters.check(this.bulkhead.inFlight);
    }
  }

  private pump(): void {
    // A handler that settles synchronously releases its slot inside run(). The loop below, not
    // recursion, then starts the next one, so a long queue of synchronous handlers cannot
    // overflow the stack.
    if (this.pumping) {
      return;
    }

    this.pumping = true;

    try {
      const bulkhead = this.bulkhead;

      while (bulkhead.inFlight < bulkhead.maxConcurrency) {
        const next = bulkhead.waiting.shift();

        if (next === undefined) {
          break;
        }

        this.run(next);
      }
    } finally {
      this.pumping = false;
    }

    if (this.bulkhead.inFlight === 0 && this.bulkhead.waiting.length === 0) {
      this.onIdle();
    }
  }

  private onIdle(): void {
    if (this.currentState === 'draining') {
      this.finishDrain();
    } else if (this.stopOperation !== undefined && !this.stopOperation.finished) {
      this.finishStop(false, undefined);
    }

    if (this.events.has('idle')) {
      this.events.emit('idle', undefined);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Timeouts, caller aborts and cancellation

  private onTimer(now: number): void {
    try {
      if (this.timeoutMs !== undefined) {
        const timeoutMs = this.timeoutMs;

        for (let head = this.running.head; head !== undefined && startTimeOf(head) + timeoutMs <= now; head = this.running.head) {
          this.timeOut(head, timeoutMs);
        }

        // Deadlines grow in start order (one timeoutMs per executor), so the running list is
        // ordered by deadline and its head is the next one due.
        if (this.running.head !== undefined) {
          this.timer.schedule(startTimeOf(this.running.head) + timeoutMs, true);
        }
      }

      if (this.nextSnapshotAt <= now) {
        this.nextSnapshotAt = Infinity;

        if (!this.finalized && this.snapshots.observed) {
          this.snapshots.next(this.createSnapshot(true));
        }
      }

      this.armSnapshots();
    } catch (error) {
      this.fail(error, 'running its timer');
    }
  }

  private timeOut(execution: Execution, timeoutMs: number): void {
    const error = new ExecutionTimeoutError(this.bulkhead.name, timeoutMs);

    this.counters.timedOut++;
    this.makeOverdue(execution, error);

    // Aborted after the caller was rejected: abort listeners run synchronously and may call
    // back into the executor, which must already see this execution as overdue.
    execution.controller?.abort(error);

    if (this.events.has('timeout')) {
      this.events.emit('timeout', { envelope: execution.envelope, timeoutMs });
    }
  }

  /** Rejects the caller of a running execution; the handler keeps its slot until it settles. */
  private makeOverdue(execution: Execution, error: unknown): void {
    this.running.remove(execution);
    this.overdue.append(execution);
    execution.phase = OVERDUE;

    if (execution.signalLink !== undefined) {
      this.callerSignals.unlink(execution);
    }

    execution.reject(error);
  }

  private onCallerAborted(execution: Execution, reason: unknown): void {
    try {
      if (execution.phase === QUEUED) {
        this.bulkhead.waiting.remove(execution);
        this.cancelQueued(execution, reason);

        if (this.waiters.length !== 0) {
          this.waiters.check(this.bulkhead.inFlight);
        }
      } else if (execution.phase === RUNNING) {
        this.counters.cancelled++;
        this.makeOverdue(execution, reason);
        execution.controller?.abort(reason);
      }
    } catch (error) {
      this.fail(error, 'handling an aborted caller signal');
    }
  }

  /** Settles a message taken out of the queue before its handler ran. */
  private cancelQueued(execution: Execution, error: unknown): void {
    execution.phase = DONE;
    this.counters.cancelled++;

    if (execution.signalLink !== undefined) {
      this.callerSignals.unlink(execution);
    }

    execution.reject(error);
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  private setState(to: ExecutorState): void {
    const from = this.currentState;

    if (from === to) {
      return;
    }

    this.currentState = to;

    if (this.events.has('stateChange')) {
      this.events.emit('stateChange', { from, to });
    }
  }

  private drainPromiseForState(): Promise<void> {
    switch (this.currentState) {
      case 'idle':
        this.setState('stopped');
        this.drainPromise = Promise.resolve();
        this.stopOperation = this.finishedStopOperation();
        this.finalize();
        return this.drainPromise;
      case 'running': {
        const deferred = createDeferred<void>();
        this.drainDeferred = deferred;
        this.drainPromise = deferred.promise;
        // Rejections are delivered to every caller of drain(); this keeps an unobserved one quiet.
        deferred.promise.catch(noop);
        this.setState('draining');

        if (this.isIdle) {
          this.finishDrain();
        }

        return deferred.promise;
      }
      case 'draining':
        return this.drainPromise as Promise<void>;
      case 'stopped': {
        if (this.drainPromise === undefined) {
          const operation = this.stopOperation as StopOperation;
          this.drainPromise = operation.promise.then(noop);
        }

        return this.drainPromise;
      }
      case 'failed':
        return this.drainPromise ?? rejectWith(this.failure);
    }
  }

  private finishDrain(): void {
    this.setState('stopped');
    this.stopOperation ??= this.finishedStopOperation();
    this.drainDeferred?.resolve();
    this.waiters.settle('drain', undefined);
    this.finalize();
  }

  private beginStop(): void {
    const state = this.currentState;
    const name = this.bulkhead.name;

    if (state === 'idle' || (state === 'stopped' && this.finalized)) {
      this.setState('stopped');
      this.stopOperation = this.finishedStopOperation();
      this.finalize();
      return;
    }

    this.stopCalledAt = performance.now();
    const stopCause = new Error(`stop() was called on executor '${name}'.`);
    const operation = new StopOperation((reason) => {
      this.finishStop(true, reason);
    });

    // Registered before anything is aborted: abort listeners run synchronously and may call
    // stop() again, which must find this operation.
    this.stopOperation = operation;

    if (state !== 'failed') {
      this.setState('stopped');
    }

    let rejectedQueued = 0;

    for (let queued = this.bulkhead.waiting.shift(); queued !== undefined; queued = this.bulkhead.waiting.shift()) {
      rejectedQueued++;
      this.cancelQueued(
        queued,
        new ExecutorStoppedError(
          name,
          `Executor '${name}' was stopped before this queued message ran; its handler was not called.`,
          { cause: stopCause },
        ),
      );
    }

    if (this.drainDeferred !== undefined && !this.drainDeferred.settled) {
      const interrupted = new ExecutorStoppedError(
        name,
        `drain() of executor '${name}' was interrupted by stop(); queued messages were rejected.`,
        { cause: stopCause },
      );
      this.drainDeferred.reject(interrupted);
      this.waiters.settle('drain', interrupted);
    }

    const runningHandlers = this.running.toArray();
    const abortReason = new ExecutorStoppedError(name, `Executor '${name}' is stopping; the handler should abort.`, {
      cause: stopCause,
    });

    this.reportCounts = { rejectedQueued, abortedRunning: runningHandlers.length };
    this.lifetime.abort(abortReason);

    for (const execution of runningHandlers) {
      execution.controller?.abort(abortReason);
    }

    if (this.isIdle) {
      this.finishStop(false, undefined);
    }
  }

  /**
   * Ends the stop: with `gaveUp` (the stop signal aborted), callers still waiting are rejected
   * and the handlers still running are reported unfinished.
   */
  private finishStop(gaveUp: boolean, reason: unknown): void {
    const operation = this.stopOperation;

    if (operation === undefined || operation.finished) {
      return;
    }

    // Taken before the loop below, which turns the running handlers into overdue ones.
    const report = this.reportNow();

    if (gaveUp) {
      const name = this.bulkhead.name;

      for (const execution of this.running.toArray()) {
        this.counters.cancelled++;
        this.makeOverdue(
          execution,
          new ExecutorStoppedError(
            name,
            `Executor '${name}' stopped waiting for this message's handler because the signal passed to stop() aborted; the handler may still be running.`,
            { cause: reason },
          ),
        );
      }
    }

    operation.finish(report);
    this.waiters.settle('stop', undefined);
    this.finalize();
  }

  private reportNow(): StopReport {
    const now = performance.now();
    // A handler whose start was not timed has run at least since stop() was called.
    const untimedSince = this.stopCalledAt ?? now;
    const unfinished: UnfinishedExecution[] = [];

    for (let execution = this.running.head; execution !== undefined; execution = execution.next) {
      unfinished.push({ envelope: execution.envelope, runningForMs: now - (execution.startedAt ?? untimedSince), overdue: false });
    }

    for (let execution = this.overdue.head; execution !== undefined; execution = execution.next) {
      unfinished.push({ envelope: execution.envelope, runningForMs: now - (execution.startedAt ?? untimedSince), overdue: true });
    }

    return { ...this.reportCounts, unfinished };
  }

  private finishedStopOperation(): StopOperation {
    const operation = new StopOperation(noop);
    operation.finish(EMPTY_REPORT);
    return operation;
  }

  /** Emits the final snapshot, completes the metrics stream, disarms the timer, settles completion. */
  private finalize(): void {
    if (this.finalized) {
      return;
    }

    this.finalized = true;
    this.timer.clear();
    this.snapshots.next(this.createSnapshot(true));
    this.snapshots.complete();

    if (this.failure === undefined) {
      this.completionDeferred.resolve();
    }
  }

  /**
   * Fails the executor: rejects queued and waiting callers with `ExecutorFailedError`, aborts
   * running handlers, rejects `completion` and emits `error`. The first failure wins.
   */
  private fail(cause: unknown, activity: string): void {
    if (this.failure !== undefined) {
      return;
    }

    const name = this.bulkhead.name;
    const failure = new ExecutorFailedError(
      name,
      `Executor '${name}' failed while ${activity}: ${messageOf(cause)}. It accepts no new messages; create a new executor.`,
      { cause },
    );

    this.failure = failure;

    if (this.finalized) {
      // Already stopped: completion has resolved, so the error event is the only report left.
      this.events.emit('error', failure);
      return;
    }

    this.setState('failed');

    for (let queued = this.bulkhead.waiting.shift(); queued !== undefined; queued = this.bulkhead.waiting.shift()) {
      this.cancelQueued(
        queued,
        new ExecutorFailedError(name, `Executor '${name}' failed before this queued message ran; its handler was not called.`, {
          cause,
        }),
      );
    }

    for (const execution of this.running.toArray()) {
      this.counters.cancelled++;
      this.makeOverdue(
        execution,
        new ExecutorFailedError(name, `Executor '${name}' failed while this message's handler was running; its signal was aborted.`, {
          cause,
        }),
      );
      execution.controller?.abort(failure);
    }

    this.lifetime.abort(failure);

    if (this.drainDeferred !== undefined && !this.drainDeferred.settled) {
      this.drainDeferred.reject(failure);
    }

    this.waiters.settle('drain', failure);
    this.completionDeferred.reject(failure);
    this.events.emit('error', failure);

    this.finalize();

    // A pending stop() still waits for the aborted handlers to release their slots.
    if (this.stopOperation !== undefined && this.isIdle) {
      this.finishStop(false, undefined);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Calls from inside the executor's own handlers

  /**
   * Returns the execution whose handler is making the current call, when it can be identified: the
   * handler is calling synchronously, `trackAsyncContext` is on, or `signal` is the handler's own.
   */
  private findCallingExecution(signal: AbortSignal | undefined): Execution | undefined {
    const fromContext = this.asyncContext?.getStore();

    if (fromContext !== undefined && (fromContext.phase === RUNNING || fromContext.phase === OVERDUE)) {
      return fromContext;
    }

    if (this.currentExecution !== undefined) {
      return this.currentExecution;
    }

    if (signal !== undefined) {
      for (const list of [this.running, this.overdue]) {
        for (let execution = list.head; execution !== undefined; execution = execution.next) {
          if (execution.controller?.signal === signal) {
            return execution;
          }
        }
      }
    }

    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Metrics

  private armSnapshots(): void {
    if (this.finalized || !this.snapshots.observed) {
      return;
    }

    if (this.currentState !== 'running' && this.currentState !== 'draining') {
      return;
    }

    if (this.nextSnapshotAt === Infinity) {
      this.nextSnapshotAt = performance.now() + this.metricsIntervalMs;
    }

    this.timer.schedule(this.nextSnapshotAt, false);
  }

  private createSnapshot(startNewInterval: boolean): ExecutionMetrics {
    const counters = this.counters;
    const bulkhead = this.bulkhead;
    const snapshot: ExecutionMetrics = {
      strategy: this.name,
      bulkhead: bulkhead.name,
      state: this.currentState,
      timestamp: this.clock.now(),
      accepted: counters.accepted,
      executed: counters.executed,
      failed: counters.failed,
      rejected: counters.rejected,
      timedOut: counters.timedOut,
      cancelled: counters.cancelled,
      queueDepth: bulkhead.waiting.length,
      inFlight: bulkhead.inFlight,
      overdue: this.overdue.length,
      maxConcurrency: bulkhead.maxConcurrency,
      maxQueue: bulkhead.maxQueue,
      measured: counters.measured,
      totalDurationMs: counters.totalDurationMs,
      maxDurationMs: counters.maxDurationMs,
    };

    if (startNewInterval) {
      counters.maxDurationMs = 0;
    }

    return snapshot;
  }
}

/** Returns the start time of a running execution that was timed: every one, when there is a timeout. */
function startTimeOf(execution: Execution): number {
  if (execution.startedAt === undefined) {
    throw new Error('Internal error: a handler with a deadline has no start time.');
  }

  return execution.startedAt;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : describe(error);
}
