/**
 * Rejection of a message whose type and topic have no handler. The message was routed (its
 * trail shows the matching policy) but never executed, and it consumed no sequence number.
 *
 * @example
 * ```ts
 * createDispatcher({ policies, handlers: { OrderPlaced: placeOrder } }); // register every type you dispatch
 * ```
 */
export class NoHandlerError extends Error {
  override readonly name = 'NoHandlerError';

  /** Message type that had no handler. */
  readonly messageType: string;

  /** Topic the policies routed the message to. */
  readonly topic: string;

  constructor(messageType: string, topic: string) {
    super(
      `No handler for message type "${messageType}" on topic "${topic}". ` +
        `Register one under handlers["${messageType}"] or topicHandlers["${topic}"] in createDispatcher().`,
    );
    this.messageType = messageType;
    this.topic = topic;
  }
}

/**
 * Rejection of `dispatch()` after `shutdown()` was called. Follow-up messages sent by running
 * handlers are still accepted until the dispatcher has drained.
 *
 * @example
 * ```ts
 * await dispatcher.shutdown();
 * await dispatcher.dispatch(order); // rejects with DispatcherClosedError
 * ```
 */
export class DispatcherClosedError extends Error {
  override readonly name = 'DispatcherClosedError';

  constructor() {
    super('The dispatcher is shutting down or stopped, so it accepts no new messages. Create a new dispatcher to dispatch again.');
  }
}
