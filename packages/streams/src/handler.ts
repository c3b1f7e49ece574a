import type { EnvelopeOptions, PolicyContext } from '@whizbang/observability';

/**
 * Options of `dispatch()` and `context.send()`: the envelope fields of the new message and the
 * cancellation signal of its execution.
 *
 * @example
 * ```ts
 * await dispatcher.dispatch(order, { metadata: { tags: ['vip'] }, userId: 'u-7', signal: AbortSignal.timeout(5_000) });
 * ```
 */
export interface DispatchOptions extends Pick<
  EnvelopeOptions,
  'messageId' | 'correlationId' | 'causationId' | 'parent' | 'messageType' | 'userId' | 'tenantId' | 'metadata'
> {
  /**
   * Aborts the message: while it waits, it is removed and its promise rejects with
   * `signal.reason`; while it runs, the handler's `context.signal` aborts.
   */
  readonly signal?: AbortSignal;

  /**
   * W3C `traceparent` of a remote parent, for a message received from another process. With
   * tracing on, the dispatch span becomes its child instead of the active span's; with tracing
   * off, the envelope carries it unchanged.
   */
  readonly traceparent?: string;
}

/** Options of `context.send()`: like {@link DispatchOptions}, but the parent is always the current message. */
export type SendOptions = Omit<DispatchOptions, 'parent' | 'correlationId' | 'causationId'>;

/**
 * Second argument of a handler: the policy context (envelope, ids, metadata, services, trail),
 * the abort signal of this execution and `send` for follow-up messages.
 *
 * @example
 * ```ts
 * const placeOrder: MessageHandler<OrderPlaced, AppMessage> = async (order, ctx) => {
 *   await saveOrder(order, { signal: ctx.signal });
 *   await ctx.send({ type: 'InvoiceRequested', orderId: order.orderId });
 * };
 * ```
 */
export interface HandlerContext<TMessage = unknown, TAppMessage = TMessage> extends PolicyContext<TMessage> {
  /**
   * Aborts when the handler should give up: its policy's timeout passed, the dispatch signal
   * aborted, or the dispatcher is stopping without waiting.
   */
  readonly signal: AbortSignal;

  /**
   * Dispatches a follow-up message that carries this message's correlation id, with this
   * message's id as its causation id. Resolves once the follow-up is routed and queued (it does
   * not wait for its handler, because a handler that awaited a message queued behind itself on
   * a serial lane would wait forever). Rejects when routing fails; the follow-up's own outcome
   * is recorded in the trace store.
   */
  send(message: TAppMessage, options?: SendOptions): Promise<void>;
}

/**
 * A message handler: receives the message payload and its {@link HandlerContext}; its result (or
 * rejection) settles the promise returned by `dispatch()`.
 *
 * @example
 * ```ts
 * const handler: MessageHandler<OrderPlaced> = (order) => ({ accepted: order.total > 0 });
 * ```
 */
export type MessageHandler<TMessage = unknown, TAppMessage = TMessage> = (
  message: TMessage,
  context: HandlerContext<TMessage, TAppMessage>,
) => unknown;

/** Type names of a message union whose members have a string literal `type` field. */
export type MessageTypeName<TMessage> = TMessage extends { readonly type: infer Name extends string } ? Name : never;

/**
 * Handlers by message type. When every member of `TMessage` has a literal `type` field, keys are
 * those type names and each handler receives its narrowed message, so a misspelt key is a
 * compile error. Otherwise keys are any message type name (a `type` field or a class name).
 *
 * @example
 * ```ts
 * const handlers: MessageHandlers<OrderPlaced | OrderShipped> = {
 *   OrderPlaced: (order) => placeOrder(order), // order: OrderPlaced
 * };
 * ```
 */
export type MessageHandlers<TMessage> = [MessageTypeName<TMessage>] extends [never]
  ? Readonly<Record<string, MessageHandler<TMessage>>>
  : string extends MessageTypeName<TMessage>
    ? Readonly<Record<string, MessageHandler<TMessage>>>
    : { readonly [Name in MessageTypeName<TMessage>]?: MessageHandler<Extract<TMessage, { readonly type: Name }>, TMessage> };
