import { createRequire } from 'node:module';

import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { MessageEnvelope } from '@whizbang/observability';

type Api = typeof OpenTelemetryApi;
type Span = OpenTelemetryApi.Span;
type Tracer = OpenTelemetryApi.Tracer;
type Context = OpenTelemetryApi.Context;

/**
 * Tracing setting of a dispatcher:
 * - omitted (default): spans are created when an OpenTelemetry tracer provider is registered
 *   at the time the dispatcher is created, and nothing is done otherwise;
 * - `true`: always use the global tracer (for a provider registered later);
 * - `false`: never trace;
 * - `{ tracer }`: use this tracer.
 */
export type TracingOption = boolean | { readonly tracer: Tracer };

/** Instrumentation scope name of the spans. */
export const TRACER_NAME = '@whizbang/streams';

/** Instrumentation scope version of the spans. */
export const TRACER_VERSION = '0.2.0';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE_ID = '00000000000000000000000000000000';
const INVALID_SPAN_ID = '0000000000000000';

let loadedApi: Api | null | undefined;

/**
 * Loads `@opentelemetry/api` once, or returns undefined when it is not installed (it is an
 * optional peer dependency). Node.js resolves `import` and `require` of that package to the
 * same CommonJS build, so the instance loaded here is the one the application registers with.
 */
export function loadOpenTelemetryApi(): Api | undefined {
  loadedApi ??= requireOptional(() => createRequire(import.meta.url)('@opentelemetry/api') as Api) ?? null;
  return loadedApi ?? undefined;
}

/**
 * Returns what `load` returns, or undefined when it fails because the module is not installed.
 *
 * @throws any other error of `load`, such as a syntax error in an installed module.
 */
export function requireOptional<T>(load: () => T): T | undefined {
  try {
    return load();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'MODULE_NOT_FOUND') throw error;
    return undefined;
  }
}

/** Returns true when an SDK has registered a global tracer provider. */
export function isTracerProviderRegistered(api: Api): boolean {
  const provider = api.trace.getTracerProvider();

  // Without a registration the API returns its own proxy, whose delegate is the shared no-op
  // provider that every new proxy also returns.
  if (!(provider instanceof api.ProxyTracerProvider)) return true;
  return provider.getDelegate() !== new api.ProxyTracerProvider().getDelegate();
}

/**
 * Resolves a {@link TracingOption} once, when a dispatcher is created.
 *
 * @returns undefined when tracing is off, so the message path does no tracing work at all.
 * @throws TypeError when tracing is requested but `@opentelemetry/api` is not installed.
 */
export function resolveTracing(option: TracingOption | undefined, load: () => Api | undefined = loadOpenTelemetryApi): MessageTracing | undefined {
  if (option === false) return undefined;

  if (option !== undefined && option !== true && (typeof option !== 'object' || option === null || typeof option.tracer?.startSpan !== 'function')) {
    throw new TypeError('Invalid tracing option: pass true, false or { tracer } with an OpenTelemetry Tracer.');
  }

  const api = load();
  if (api === undefined) {
    if (option === undefined) return undefined;
    throw new TypeError('Tracing needs the optional peer dependency @opentelemetry/api. Install it or set tracing: false.');
  }

  if (option === undefined && !isTracerProviderRegistered(api)) return undefined;
  const tracer = typeof option === 'object' ? option.tracer : api.trace.getTracer(TRACER_NAME, TRACER_VERSION);
  return new MessageTracing(api, tracer);
}

/** Routing of a dispatched message, added to its dispatch span. */
export interface SpanRouting {
  readonly policyName: string;
  readonly topic: string;
  readonly streamKey: string;
  readonly partitionIndex: number;
  readonly sequenceNumber: number | undefined;
}

/**
 * OpenTelemetry spans of dispatch and execution with W3C trace context.
 *
 * - `send <topic>` (kind PRODUCER) starts when a message is dispatched, as a child of the span
 *   active at that moment (or of a remote `traceparent` passed to dispatch). Its context is
 *   written to the envelope as `traceparent`. It ends once the message is queued.
 * - `process <topic>` (kind CONSUMER) wraps the handler, with the envelope's `traceparent` as
 *   its parent, whatever context is active when the lane runs the message. The handler runs
 *   with this span active, so its own spans and follow-up messages nest under it.
 */
export class MessageTracing {
  readonly #api: Api;
  readonly #tracer: Tracer;

  constructor(api: Api, tracer: Tracer) {
    this.#api = api;
    this.#tracer = tracer;
  }

  /** Starts the dispatch span and writes its context to the envelope. */
  startDispatch(envelope: MessageEnvelope<unknown>, remoteParent: string | undefined): Span {
    const api = this.#api;
    let parent = api.context.active();
    if (remoteParent !== undefined) parent = this.#contextOf(remoteParent) ?? parent;

    const span = this.#tracer.startSpan(
      'send',
      {
        kind: api.SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'whizbang',
          'messaging.operation.type': 'send',
          'messaging.message.id': envelope.messageId,
          'messaging.message.conversation_id': envelope.correlationId,
          'whizbang.message_type': envelope.messageType,
        },
      },
      parent,
    );

    const traceparent = formatTraceparent(span.spanContext());
    if (traceparent !== undefined) envelope.setTraceparent(traceparent);
    return span;
  }

  /** Ends the dispatch span of a message that was queued. */
  endDispatch(span: Span, routing: SpanRouting): void {
    span.updateName(`send ${routing.topic}`);
    span.setAttributes({
      'messaging.destination.name': routing.topic,
      'messaging.destination.partition.id': String(routing.partitionIndex),
      'whizbang.policy': routing.policyName,
      'whizbang.stream_key': routing.streamKey,
    });
    if (routing.sequenceNumber !== undefined) span.setAttribute('whizbang.sequence_number', routing.sequenceNumber);
    span.end();
  }

  /** Ends the dispatch span of a message that could not be routed or queued. */
  failDispatch(span: Span, error: unknown): void {
    this.#fail(span, error);
    span.end();
  }

  /**
   * Runs `invoke` inside a `process <topic>` span whose parent is the envelope's traceparent,
   * and ends the span when the handler settles.
   */
  runHandler<T>(envelope: MessageEnvelope<unknown>, invoke: () => T): T {
    const api = this.#api;
    const parent = (envelope.traceparent === undefined ? undefined : this.#contextOf(envelope.traceparent)) ?? api.ROOT_CONTEXT;
    const topic = envelope.topic ?? 'unknown';
    const span = this.#tracer.startSpan(
      `process ${topic}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'whizbang',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.message.id': envelope.messageId,
          'messaging.message.conversation_id': envelope.correlationId,
          'whizbang.message_type': envelope.messageType,
          'whizbang.stream_key': envelope.streamKey ?? '',
        },
      },
      parent,
    );
    if (envelope.partitionIndex !== undefined) span.setAttribute('messaging.destination.partition.id', String(envelope.partitionIndex));
    if (envelope.sequenceNumber !== undefined) span.setAttribute('whizbang.sequence_number', envelope.sequenceNumber);

    let result: T;
    try {
      result = api.context.with(api.trace.setSpan(parent, span), invoke);
    } catch (error) {
      this.#fail(span, error);
      span.end();
      throw error;
    }

    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      return (result as PromiseLike<unknown>).then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          this.#fail(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  }

  #contextOf(traceparent: string): Context | undefined {
    const match = TRACEPARENT.exec(traceparent);
    if (match === null) return undefined;

    const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
    if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
    return this.#api.trace.setSpanContext(this.#api.ROOT_CONTEXT, {
      traceId,
      spanId,
      traceFlags: parseInt(flags, 16) & 0xff,
      isRemote: true,
    });
  }

  #fail(span: Span, error: unknown): void {
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
}

/** Formats a span context as a W3C `traceparent` (version 00), or undefined for an invalid context. */
export function formatTraceparent(spanContext: OpenTelemetryApi.SpanContext): string | undefined {
  if (spanContext.traceId === INVALID_TRACE_ID || spanContext.spanId === INVALID_SPAN_ID) return undefined;
  if (!/^[0-9a-f]{32}$/.test(spanContext.traceId) || !/^[0-9a-f]{16}$/.test(spanContext.spanId)) return undefined;

  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}
