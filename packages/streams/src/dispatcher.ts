import { UNKNOWN_CALLER, type Handler, type HopRecorder } from '@whizbang/execution';
import {
  captureCallSite,
  createEnvelope,
  createMessageTrace,
  recordHop,
  type CallSiteInfo,
  type Clock,
  type EnvelopeOptions,
  type MessageEnvelope,
  type MessageTraceOptions,
  type TraceOutcome,
  type TraceStore,
} from '@whizbang/observability';
import {
  MessagePolicyContext,
  PolicyEngine,
  PolicySet,
  type ExplainOptions,
  type PolicyExplanation,
  type PolicyMatch,
  type ResolvedPolicy,
  type ServiceEntries,
} from '@whizbang/policies';

import { DispatcherClosedError, NoHandlerError } from './errors.js';
import type { DispatchOptions, HandlerContext, MessageHandler, MessageHandlers, SendOptions } from './handler.js';
import { abortable } from './in-memory-stream.js';
import { outcomeOf, SUCCEEDED } from './outcome.js';
import { rejectWith } from './reject-with.js';
import { ADMITTED, REJECTED, SharedBulkhead } from './shared-bulkhead.js';
import { StreamRegistry, type StreamRegistryOptions } from './stream-registry.js';
import { resolveTracing, type MessageTracing, type TracingOption } from './tracing.js';

type Span = ReturnType<MessageTracing['startDispatch']>;

/**
 * Options of {@link createDispatcher}.
 *
 * @example
 * ```ts
 * createDispatcher<AppMessage>({
 *   policies,
 *   handlers: { OrderPlaced: placeOrder },
 *   topicHandlers: { projections: project },
 *   traceStore: new InMemoryTraceStore(),
 * });
 * ```
 */
export interface DispatcherOptions<TMessage = unknown> {
  /** The policies, built here when given as a `PolicySet`. */
  readonly policies: PolicySet<TMessage> | PolicyEngine<TMessage>;

  /**
   * Handlers by message type (the envelope's `messageType`: the payload's `type` field, else its
   * class name). A message type's handler wins over its topic's.
   */
  readonly handlers?: MessageHandlers<TMessage>;

  /** Handlers by topic, for every message routed to that topic that has no handler of its own type. */
  readonly topicHandlers?: Readonly<Record<string, MessageHandler<TMessage>>>;

  /** Store of one trace per settled message (ids, routing, hops, decisions, outcome). Default: none. */
  readonly traceStore?: TraceStore;

  /** Payload capture of traces: `'omit'` (default), `'include'`, or a function that returns the copy to keep. */
  readonly tracePayload?: MessageTraceOptions<TMessage>['payload'];

  /** Environment name for `ctx.environment` when `policies` is a `PolicySet` (default `"development"`). */
  readonly environment?: string;

  /** Services for `ctx.getService(key)` when `policies` is a `PolicySet`. */
  readonly services?: ServiceEntries;

  /** Wall clock of envelopes, hops and contexts. Default `Date.now()`. */
  readonly clock?: Clock;

  /** Idle eviction of lanes: `idleTimeoutMs` (default 60,000), `sweepIntervalMs` and `idleClock`. */
  readonly lanes?: Pick<StreamRegistryOptions, 'idleTimeoutMs' | 'sweepIntervalMs' | 'idleClock'>;

  /** Whether executors append a hop to each envelope they run. Default true. */
  readonly recordHops?: boolean;

  /**
   * Whether hops record the call site of the code that dispatched the message: the caller of
   * `dispatch()`, or the handler line that called `context.send()`. It costs a V8 stack capture
   * (about a microsecond) per message. Default true.
   */
  readonly captureCallers?: boolean;

  /** OpenTelemetry spans; see {@link TracingOption}. Default: on when a tracer provider is registered. */
  readonly tracing?: TracingOption;

  /**
   * Receives errors the dispatcher catches and cannot return to a caller: a trace store that
   * rejected a trace, or a lane that failed to close. Default: logs with `console.error`, the
   * 1st, 10th, 100th... failure of each kind, with the count.
   */
  readonly onError?: (error: unknown, details: DispatcherErrorDetails) => void;
}

/** Details of a caught error, passed to `onError`. */
export interface DispatcherErrorDetails {
  /** `"store-trace"` or `"close-lane"`. */
  readonly operation: 'store-trace' | 'close-lane';

  /** Message whose trace failed to store. */
  readonly messageId?: string;
}

/** Lifecycle state of a dispatcher. */
export type DispatcherState = 'running' | 'shutting-down' | 'stopped';

/** Per-policy state of a dispatcher, resolved once at creation. */
interface PolicyRuntime {
  readonly bulkhead: SharedBulkhead | undefined;

  /** The provider's synchronous `getNextSync`, bound, when it has one. */
  readonly nextSync: ((streamKey: string) => number) | undefined;
}

/** Called once a message is queued (no argument) or refused (with the error). */
type AcceptanceCallback = (error?: unknown) => void;

const NEVER_ABORTED = new AbortController().signal;

/**
 * The context object of one dispatched message: the policy context predicates see, then the
 * handler context its handler receives. One object per message.
 */
class DispatchContext<TMessage> extends MessagePolicyContext<TMessage> implements HandlerContext<TMessage, unknown> {
  handler: MessageHandler<TMessage, unknown> | undefined = undefined;
  signal: AbortSignal = NEVER_ABORTED;
  readonly dispatcher: Dispatcher<TMessage>;

  constructor(envelope: MessageEnvelope<TMessage>, engine: PolicyEngine<TMessage>, dispatcher: Dispatcher<TMessage>) {
    super(envelope, engine.environment, engine.services, engine.clock);
    this.dispatcher = dispatcher;
  }

  send(message: unknown, options?: SendOptions): Promise<void> {
    // The method itself marks where the captured call site starts: the handler line that called it.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    return this.dispatcher.sendFollowUp(message as TMessage, options, this.envelope, DispatchContext.prototype.send);
  }
}

/** The executor-facing handler, shared by every message: it reads everything from the context. */
const runHandler: Handler<unknown, unknown> = (envelope, context, signal) => {
  const dispatchContext = context as DispatchContext<unknown>;
  dispatchContext.signal = signal;

  const handler = dispatchContext.handler as MessageHandler<unknown, unknown>;
  const tracing = dispatchContext.dispatcher.tracing;
  if (tracing === undefined) return handler(envelope.payload, dispatchContext);
  return tracing.runHandler(envelope, () => handler(envelope.payload, dispatchContext));
};

/**
 * Routes messages with policies and runs them on their lanes. Each dispatch takes these steps:
 * 1. evaluate the policies, recording the decision trail, and compute the stream key and partition;
 * 2. take a permit of the policy's bulkhead;
 * 3. assign the stream's next sequence number and set the envelope's routing;
 * 4. run the handler on the lane of (topic, partition);
 * 5. store the message's trace when it settles.
 *
 * Guarantees:
 * - Messages of one stream key get increasing sequence numbers in dispatch order and run one at
 *   a time in that order, on serial and parallel strategies alike, as long as the policy's
 *   router sends the key to one partition (hash routers do; a round-robin router spreads a key
 *   over partitions, so order then holds only within each partition).
 * - Every accepted message settles its caller's promise: with the handler's result, the
 *   handler's error, `BulkheadRejectedError`, `ExecutionTimeoutError`, `signal.reason`, or an
 *   error of the executor or dispatcher stopping.
 *
 * Create one with {@link createDispatcher}.
 */
export class Dispatcher<TMessage = unknown> {
  /** The policy engine. */
  readonly engine: PolicyEngine<TMessage>;

  /** Lanes by topic and partition. */
  readonly registry: StreamRegistry;

  /** Store of the traces; undefined when none was given. */
  readonly traceStore: TraceStore | undefined;

  /** @internal Span creation; undefined when tracing is off. */
  readonly tracing: MessageTracing | undefined;

  readonly #handlersByType: ReadonlyMap<string, MessageHandler<TMessage, unknown>>;
  readonly #handlersByTopic: ReadonlyMap<string, MessageHandler<TMessage, unknown>>;
  readonly #runtimes: ReadonlyMap<ResolvedPolicy<TMessage>, PolicyRuntime>;
  readonly #traceOptions: MessageTraceOptions<TMessage>;
  readonly #envelopeDefaults: EnvelopeOptions;
  readonly #reportError: (error: unknown, details: DispatcherErrorDetails) => void;

  /** Call site of each dispatch, read by the hop recorder; undefined when callers are not captured. */
  readonly #callers: WeakMap<object, CallSiteInfo> | undefined;

  /** Per sequence provider, the last pending number request of each stream key (asynchronous providers only). */
  readonly #sequenceChains = new Map<object, Map<string, Promise<void>>>();

  #state: DispatcherState = 'running';
  #inFlight = 0;
  #pendingStores = 0;
  #idleWaiters: (() => void)[] = [];
  #shutdown: Promise<void> | undefined;

  /** @internal Use {@link createDispatcher}. */
  constructor(options: DispatcherOptions<TMessage>) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('Invalid createDispatcher options: pass an object such as { policies, handlers }.');
    }

    this.engine = resolveEngine(options);
    this.#reportError = options.onError ?? createErrorLogger();
    if (typeof this.#reportError !== 'function') throw new TypeError('Invalid onError option: pass a function (error, details) => void.');

    this.#handlersByType = handlerMap(options.handlers, 'handlers');
    this.#handlersByTopic = handlerMap(options.topicHandlers, 'topicHandlers');
    if (this.#handlersByType.size === 0 && this.#handlersByTopic.size === 0) {
      throw new TypeError('createDispatcher needs at least one handler: pass handlers (by message type) or topicHandlers (by topic).');
    }
    const topics = new Set([...this.engine.policies, ...(this.engine.defaultPolicy === undefined ? [] : [this.engine.defaultPolicy])].map((policy) => policy.topic));
    for (const topic of this.#handlersByTopic.keys()) {
      if (!topics.has(topic)) {
        throw new TypeError(`topicHandlers["${topic}"] names a topic that no policy routes to. Known topics: ${[...topics].map((name) => `"${name}"`).join(', ')}.`);
      }
    }

    if (options.traceStore !== undefined && typeof options.traceStore?.store !== 'function') {
      throw new TypeError('Invalid traceStore option: pass a TraceStore such as new InMemoryTraceStore().');
    }
    this.traceStore = options.traceStore;
    this.#traceOptions = options.tracePayload === undefined ? {} : { payload: options.tracePayload };

    const clock = options.clock ?? this.engine.clock;
    this.#envelopeDefaults = Object.freeze({ clock });

    // Executors would record their own caller (the lane), so the dispatcher captures the
    // dispatching code itself and hands it to a hop recorder of its own.
    const recordHops = options.recordHops ?? true;
    const captureCallers = options.captureCallers ?? true;
    for (const [name, value] of [['recordHops', recordHops], ['captureCallers', captureCallers]] as const) {
      if (typeof value !== 'boolean') throw new TypeError(`Invalid ${name} option: ${String(value)}. Pass true or false.`);
    }
    const callers = recordHops && captureCallers ? new WeakMap<object, CallSiteInfo>() : undefined;
    this.#callers = callers;
    const hopRecorder: HopRecorder = (envelope, init) => {
      envelope.addHop(recordHop(init, callers?.get(envelope) ?? UNKNOWN_CALLER));
    };
    this.registry = new StreamRegistry({
      ...options.lanes,
      clock,
      recordHops,
      captureCallers: false,
      hopRecorder,
      onError: (error) => this.#reportError(error, { operation: 'close-lane' }),
    });
    this.#runtimes = buildRuntimes(this.engine);
    this.tracing = resolveTracing(options.tracing);
  }

  /** Lifecycle state: `running`, then `shutting-down` after `shutdown()`, then `stopped`. */
  get state(): DispatcherState {
    return this.#state;
  }

  /** Messages accepted and not yet settled. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Dispatches a message and resolves with its handler's result.
   *
   * Rejects with:
   * - `NoMatchingPolicyError`, `NoHandlerError` or `InvalidStreamKeyError` when the message
   *   cannot be routed;
   * - `BulkheadRejectedError` when its policy's bulkhead is full;
   * - `ExecutionTimeoutError` when its handler exceeds the policy's timeout;
   * - `signal.reason` when the signal aborts first, and `DispatcherClosedError` after `shutdown()`;
   * - otherwise the handler's error.
   *
   * Every outcome is stored in the trace store.
   *
   * @example
   * ```ts
   * const receipt = await dispatcher.dispatch<Receipt>({ type: 'OrderPlaced', aggregateType: 'Order', aggregateId: '42' });
   * ```
   */
  dispatch<TResult = unknown>(message: TMessage, options?: DispatchOptions): Promise<TResult> {
    if (this.#state !== 'running') return Promise.reject(new DispatcherClosedError());
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only marks where the captured call site starts
    const caller = this.#callers === undefined ? undefined : captureCallSite(Dispatcher.prototype.dispatch);
    return this.#dispatch(message, options, undefined, undefined, caller) as Promise<TResult>;
  }

  /** Evaluates a message against the policies without dispatching it; see `PolicyEngine.explain`. */
  explain(message: TMessage, options?: ExplainOptions): Promise<PolicyExplanation<TMessage>> {
    return this.engine.explain(message, options);
  }

  /**
   * @internal Implementation of `HandlerContext.send`; `sender` is the function whose caller
   * is recorded as the follow-up's call site.
   */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  sendFollowUp(message: TMessage, options: SendOptions | undefined, parent: MessageEnvelope, sender: Function): Promise<void> {
    if (this.#state === 'stopped') return Promise.reject(new DispatcherClosedError());
    const caller = this.#callers === undefined ? undefined : captureCallSite(sender);

    return new Promise<void>((resolve, reject) => {
      const onAccepted: AcceptanceCallback = (error) => {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- routing errors are passed on unchanged
        if (error !== undefined) reject(error);
        else resolve();
      };
      const result = this.#dispatch(message, options, parent, onAccepted, caller);

      // The follow-up's outcome is stored as its trace; its sender only learns whether it was queued.
      result.then(undefined, ignore);
    });
  }

  /**
   * Resolves once every accepted message has settled and its trace was handed to the store,
   * including follow-ups sent meanwhile. Keeps accepting messages. Rejects with `signal.reason`
   * when `signal` aborts first.
   */
  drain(signal?: AbortSignal): Promise<void> {
    if (this.#inFlight === 0 && this.#pendingStores === 0) return Promise.resolve();
    return abortable(new Promise<void>((resolve) => this.#idleWaiters.push(resolve)), signal);
  }

  /**
   * Stops accepting new dispatches, lets every accepted message (and the follow-ups they send)
   * finish, waits for pending trace writes, then stops every lane. Calling it again returns the
   * same promise.
   *
   * When `signal` aborts first, it stops every lane at once: running handlers' signals abort,
   * waiting messages are rejected with `ExecutorStoppedError`, and the promise rejects with
   * `signal.reason`.
   *
   * @example
   * ```ts
   * await dispatcher.shutdown(AbortSignal.timeout(30_000));
   * ```
   */
  shutdown(signal?: AbortSignal): Promise<void> {
    this.#shutdown ??= this.#runShutdown(signal);
    return this.#shutdown;
  }

  async #runShutdown(signal: AbortSignal | undefined): Promise<void> {
    this.#state = 'shutting-down';
    try {
      await this.drain(signal);
      await this.registry.close(signal);
    } catch (reason) {
      await this.registry.close(signal).catch(ignore);
      throw reason;
    } finally {
      this.#state = 'stopped';
    }
  }

  #dispatch(
    message: TMessage,
    options: DispatchOptions | undefined,
    parent: MessageEnvelope | undefined,
    onAccepted: AcceptanceCallback | undefined,
    caller: CallSiteInfo | undefined,
  ): Promise<unknown> {
    let envelope: MessageEnvelope<TMessage>;
    let signal: AbortSignal | undefined;
    try {
      signal = validateOptions(options);
      envelope = createEnvelope(message, this.#envelopeOptions(options, parent));
    } catch (error) {
      onAccepted?.(error);
      return rejectWith(error);
    }
    if (caller !== undefined) (this.#callers as WeakMap<object, CallSiteInfo>).set(envelope, caller);

    const context = new DispatchContext(envelope, this.engine, this);
    const span = this.tracing?.startDispatch(envelope, options?.traceparent);

    let match: PolicyMatch<TMessage>;
    try {
      match = this.engine.evaluate(context);
    } catch (error) {
      return this.#refuse(envelope, undefined, error, span, onAccepted);
    }

    const handler = this.#handlersByType.get(envelope.messageType) ?? this.#handlersByTopic.get(match.policy.topic);
    if (handler === undefined) {
      return this.#refuse(envelope, match, new NoHandlerError(envelope.messageType, match.policy.topic), span, onAccepted);
    }
    context.handler = handler;

    const runtime = this.#runtimes.get(match.policy) as PolicyRuntime;

    // The bulkhead admits before a number is assigned, so a rejected message leaves no gap in
    // its stream's numbering.
    const bulkhead = runtime.bulkhead;
    const admission = bulkhead === undefined ? ADMITTED : bulkhead.admit();
    if (admission === REJECTED) {
      return this.#refuse(envelope, match, (bulkhead as SharedBulkhead).rejection(), span, onAccepted);
    }
    this.#inFlight += 1;

    if (runtime.nextSync !== undefined) {
      let sequenceNumber: number;
      try {
        sequenceNumber = runtime.nextSync(match.streamKey);
      } catch (error) {
        if (admission === ADMITTED) bulkhead?.release();
        this.#inFlight -= 1;
        this.#notifyIfIdle();
        return this.#refuse(envelope, match, error, span, onAccepted);
      }
      this.#route(match, sequenceNumber, span);
      onAccepted?.();
      if (admission === ADMITTED) return this.#run(match, context, runtime, signal);
      return new Promise((resolve, reject) => {
        (bulkhead as SharedBulkhead).wait(() => {
          this.#run(match, context, runtime, signal).then(resolve, reject);
        });
      });
    }

    return this.#sequenceThenRun(match, context, runtime, signal, admission === ADMITTED, span, onAccepted);
  }

  /**
   * Assigns a number from an asynchronous provider, then runs the message. Requests for one
   * stream key are chained, so each starts after the previous one resolved and numbers follow
   * dispatch order even when the provider resolves requests out of order. The message enters its lane
   * once it has both its number and a bulkhead permit.
   */
  #sequenceThenRun(
    match: PolicyMatch<TMessage>,
    context: DispatchContext<TMessage>,
    runtime: PolicyRuntime,
    signal: AbortSignal | undefined,
    hasPermit: boolean,
    span: Span | undefined,
    onAccepted: AcceptanceCallback | undefined,
  ): Promise<unknown> {
    const provider = match.policy.sequenceProvider;
    const key = match.streamKey;
    let chains = this.#sequenceChains.get(provider);
    if (chains === undefined) {
      chains = new Map();
      this.#sequenceChains.set(provider, chains);
    }
    const streamChains = chains;
    const previous = streamChains.get(key) ?? Promise.resolve();

    return new Promise((resolve, reject) => {
      const bulkhead = runtime.bulkhead;
      let permit = hasPermit;
      let numbered = false;
      let failed = false;
      const enter = (): void => {
        this.#run(match, context, runtime, signal).then(resolve, reject);
      };
      if (!hasPermit) {
        (bulkhead as SharedBulkhead).wait(() => {
          permit = true;
          if (failed) bulkhead?.release();
          else if (numbered) enter();
        });
      }

      const step = previous
        .then(() => match.policy.sequenceProvider.getNext(key, signal))
        .then(
          (sequenceNumber) => {
            numbered = true;
            this.#route(match, sequenceNumber, span);
            onAccepted?.();
            if (permit) enter();
          },
          (error: unknown) => {
            failed = true;
            if (permit) bulkhead?.release();
            this.#inFlight -= 1;
            this.#refuse(context.envelope, match, error, span, onAccepted).then(undefined, reject);
            this.#notifyIfIdle();
          },
        );

      streamChains.set(key, step);
      void step.then(() => {
        if (streamChains.get(key) === step) streamChains.delete(key);
        if (streamChains.size === 0) this.#sequenceChains.delete(provider);
      });
    });
  }

  #route(match: PolicyMatch<TMessage>, sequenceNumber: number, span: Span | undefined): void {
    const policy = match.policy;
    match.context.envelope.setRouting({ topic: policy.topic, streamKey: match.streamKey, partitionIndex: match.partitionIndex, sequenceNumber });
    if (span !== undefined) {
      (this.tracing as MessageTracing).endDispatch(span, {
        policyName: policy.name,
        topic: policy.topic,
        streamKey: match.streamKey,
        partitionIndex: match.partitionIndex,
        sequenceNumber,
      });
    }
  }

  /** Runs a routed message on its lane and records its outcome when it settles. */
  #run(match: PolicyMatch<TMessage>, context: DispatchContext<TMessage>, runtime: PolicyRuntime, signal: AbortSignal | undefined): Promise<unknown> {
    let result: Promise<unknown>;
    try {
      const lane = this.registry.getOrCreate(match.policy, match.partitionIndex);
      result = lane.run(context.envelope, runHandler, context, signal);
    } catch (error) {
      // Only a closed registry (after an aborted shutdown) or a broken strategy factory gets here.
      result = rejectWith(this.#state === 'running' ? error : new DispatcherClosedError());
    }

    result.then(
      () => this.#settle(context.envelope, runtime, SUCCEEDED),
      (error: unknown) => this.#settle(context.envelope, runtime, outcomeOf(error, signal)),
    );
    return result;
  }

  #settle(envelope: MessageEnvelope<TMessage>, runtime: PolicyRuntime, outcome: TraceOutcome): void {
    runtime.bulkhead?.release();
    if (this.traceStore !== undefined) this.#storeTrace(envelope, outcome);
    this.#inFlight -= 1;
    this.#notifyIfIdle();
  }

  /** Rejects a message that was never queued, after recording its trace as rejected or failed. */
  #refuse(
    envelope: MessageEnvelope<TMessage>,
    match: PolicyMatch<TMessage> | undefined,
    error: unknown,
    span: Span | undefined,
    onAccepted: AcceptanceCallback | undefined,
  ): Promise<never> {
    if (match !== undefined && envelope.topic === undefined) {
      // Record where the message would have gone; it has no sequence number.
      envelope.setRouting({ topic: match.policy.topic, streamKey: match.streamKey, partitionIndex: match.partitionIndex, sequenceNumber: undefined });
    }
    if (span !== undefined) (this.tracing as MessageTracing).failDispatch(span, error);
    if (this.traceStore !== undefined) this.#storeTrace(envelope, outcomeOf(error, undefined));
    onAccepted?.(error);
    return rejectWith(error);
  }

  #storeTrace(envelope: MessageEnvelope<TMessage>, outcome: TraceOutcome): void {
    const store = this.traceStore as TraceStore;
    let stored: Promise<void>;
    try {
      stored = store.store(createMessageTrace(envelope, outcome, this.#traceOptions));
    } catch (error) {
      this.#reportError(error, { operation: 'store-trace', messageId: envelope.messageId });
      return;
    }

    this.#pendingStores += 1;
    stored.then(
      () => this.#storeSettled(),
      (error: unknown) => {
        this.#reportError(error, { operation: 'store-trace', messageId: envelope.messageId });
        this.#storeSettled();
      },
    );
  }

  #storeSettled(): void {
    this.#pendingStores -= 1;
    this.#notifyIfIdle();
  }

  #notifyIfIdle(): void {
    if (this.#inFlight !== 0 || this.#pendingStores !== 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #envelopeOptions(options: DispatchOptions | undefined, parent: MessageEnvelope | undefined): EnvelopeOptions {
    if (options === undefined && parent === undefined) return this.#envelopeDefaults;

    const envelopeOptions: { -readonly [Key in keyof EnvelopeOptions]: EnvelopeOptions[Key] } = { ...this.#envelopeDefaults };
    if (options !== undefined) {
      for (const key of ENVELOPE_OPTION_KEYS) {
        const value = options[key];
        if (value !== undefined) (envelopeOptions as Record<string, unknown>)[key] = value;
      }
      // With tracing on, a remote traceparent becomes the dispatch span's parent instead.
      if (options.traceparent !== undefined && this.tracing === undefined) envelopeOptions.traceparent = options.traceparent;
    }
    if (parent !== undefined) {
      envelopeOptions.parent = parent;
      delete envelopeOptions.correlationId;
      delete envelopeOptions.causationId;
    }
    return envelopeOptions;
  }
}

const ENVELOPE_OPTION_KEYS = ['messageId', 'correlationId', 'causationId', 'parent', 'messageType', 'userId', 'tenantId', 'metadata'] as const;

/**
 * Creates a {@link Dispatcher}: the entry point that routes messages with policies, runs them on
 * per-(topic, partition) lanes and records their traces.
 *
 * @throws PolicyConfigurationError when `policies` is a `PolicySet` with invalid policies.
 * @throws TypeError for invalid options: no handler at all, a `topicHandlers` key that no policy
 * routes to, a handler that is not a function, or `environment`/`services` given with an
 * already built engine.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher<AppMessage>({
 *   policies,
 *   handlers: {
 *     OrderPlaced: async (order, ctx) => {
 *       await ctx.send({ type: 'InvoiceRequested', orderId: order.orderId });
 *       return { accepted: true };
 *     },
 *   },
 *   traceStore: new InMemoryTraceStore(),
 * });
 * const result = await dispatcher.dispatch({ type: 'OrderPlaced', orderId: '42' });
 * await dispatcher.shutdown();
 * ```
 */
export function createDispatcher<TMessage = unknown>(options: DispatcherOptions<TMessage>): Dispatcher<TMessage> {
  return new Dispatcher(options);
}

function resolveEngine<TMessage>(options: DispatcherOptions<TMessage>): PolicyEngine<TMessage> {
  const policies = options.policies;
  if (policies instanceof PolicySet) {
    return policies.build({
      ...(options.environment === undefined ? {} : { environment: options.environment }),
      ...(options.services === undefined ? {} : { services: options.services }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  }
  if (policies instanceof PolicyEngine) {
    if (options.environment !== undefined || options.services !== undefined) {
      throw new TypeError('environment and services belong to PolicySet.build(); pass them there, or pass the PolicySet itself as policies.');
    }
    return policies;
  }
  throw new TypeError('Invalid policies option: pass a PolicySet from createPolicies() or a PolicyEngine from its build().');
}

function handlerMap<TMessage>(handlers: Readonly<Record<string, unknown>> | undefined, option: string): ReadonlyMap<string, MessageHandler<TMessage, unknown>> {
  const map = new Map<string, MessageHandler<TMessage, unknown>>();
  if (handlers === undefined) return map;
  if (typeof handlers !== 'object' || handlers === null) throw new TypeError(`Invalid ${option} option: pass an object of handler functions.`);

  for (const [name, handler] of Object.entries(handlers)) {
    if (handler === undefined) continue;
    if (typeof handler !== 'function') {
      throw new TypeError(`Invalid ${option}["${name}"]: expected a function (message, context) => result, received ${typeof handler}.`);
    }
    map.set(name, handler as MessageHandler<TMessage, unknown>);
  }
  return map;
}

function buildRuntimes<TMessage>(engine: PolicyEngine<TMessage>): ReadonlyMap<ResolvedPolicy<TMessage>, PolicyRuntime> {
  const bulkheads = new Map<string, SharedBulkhead>();
  const runtimes = new Map<ResolvedPolicy<TMessage>, PolicyRuntime>();
  const policies = engine.defaultPolicy === undefined ? engine.policies : [...engine.policies, engine.defaultPolicy];

  for (const policy of policies) {
    let bulkhead: SharedBulkhead | undefined;
    if (policy.bulkhead !== undefined) {
      bulkhead = bulkheads.get(policy.bulkhead.name);
      if (bulkhead === undefined) {
        bulkhead = new SharedBulkhead(policy.bulkhead);
        bulkheads.set(policy.bulkhead.name, bulkhead);
      }
    }

    const provider = policy.sequenceProvider as { getNextSync?: unknown };
    const nextSync = typeof provider.getNextSync === 'function' ? (provider.getNextSync as (key: string) => number).bind(provider) : undefined;
    runtimes.set(policy, { bulkhead, nextSync });
  }
  return runtimes;
}

function validateOptions(options: DispatchOptions | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError(`Invalid dispatch options: ${String(options)}. Pass an object or nothing.`);

  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('Invalid options.signal: pass an AbortSignal.');
  return signal;
}

/** Logs caught errors with a count: the 1st, 10th, 100th... of each operation. */
function createErrorLogger(): (error: unknown, details: DispatcherErrorDetails) => void {
  const counts = new Map<string, number>();
  return (error, details) => {
    const count = (counts.get(details.operation) ?? 0) + 1;
    counts.set(details.operation, count);

    let leading = count;
    while (leading % 10 === 0) leading /= 10;
    if (leading !== 1) return;

    const subject = details.messageId === undefined ? '' : ` (message ${details.messageId})`;
    console.error(`Whizbang dispatcher: ${details.operation} failed${subject}; ${count} such failure(s) so far.`, error);
  };
}

function ignore(): void {}
