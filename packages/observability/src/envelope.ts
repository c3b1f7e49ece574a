import { systemClock, type Clock } from './clock.js';
import { describeValue } from './describe-value.js';
import { hopToJSON, type MessageHop, type MessageHopJson } from './hop.js';
import {
  causationIdOf,
  createCorrelationId,
  createIdGenerator,
  createMessageId,
  parseCausationId,
  parseCorrelationId,
  parseMessageId,
  type CausationId,
  type CorrelationId,
  type IdGenerator,
  type MessageId,
} from './ids.js';
import { checkTraceparent } from './traceparent.js';
import { PolicyDecisionTrail, type PolicyDecisionTrailJson } from './trail.js';

/** Routing that the policy engine chose for a message, set once per envelope. */
export interface EnvelopeRouting {
  /** Topic the message goes to; non-empty. */
  topic: string;

  /** Stream key that orders the message; may be empty. */
  streamKey: string;

  /** Partition the message runs on, a non-negative integer. */
  partitionIndex: number;

  /** Sequence number within the stream, a non-negative safe integer, or undefined when unsequenced. */
  sequenceNumber: number | undefined;
}

/**
 * A message with its ids, routing, policy decision trail and hops: everything a trace shows
 * about it. Ids, payload and metadata are fixed at creation. Routing and traceparent are set
 * once, and hops are append-only.
 */
export interface MessageEnvelope<TMessage = unknown> {
  /** Id of this message. */
  readonly messageId: MessageId;

  /** Id shared by every message of the conversation. */
  readonly correlationId: CorrelationId;

  /** Message id of the message that caused this one; undefined for a conversation's first message. */
  readonly causationId: CausationId | undefined;

  /** Creation time, in milliseconds since the Unix epoch. */
  readonly timestamp: number;

  /** The message itself, stored by reference. */
  readonly payload: TMessage;

  /** Message type name used by policies and traces. */
  readonly messageType: string;

  /** Routed topic; undefined until {@link MessageEnvelope.setRouting}. */
  readonly topic: string | undefined;

  /** Routed stream key; undefined until {@link MessageEnvelope.setRouting}. */
  readonly streamKey: string | undefined;

  /** Routed partition; undefined until {@link MessageEnvelope.setRouting}. */
  readonly partitionIndex: number | undefined;

  /** Sequence number in the stream; undefined until routed, or when the stream is unsequenced. */
  readonly sequenceNumber: number | undefined;

  /** Decisions the policies took for this message. */
  readonly policyTrail: PolicyDecisionTrail;

  /** User on whose behalf the message was sent. */
  readonly userId: string | undefined;

  /** Tenant the message belongs to. */
  readonly tenantId: string | undefined;

  /** Frozen shallow copy of the metadata given at creation (tags, flags, headers). */
  readonly metadata: Readonly<Record<string, unknown>>;

  /** W3C `traceparent` linking the message to a distributed trace. */
  readonly traceparent: string | undefined;

  /**
   * Hops in the order they were added: the index is the hop's sequence within the trace. The
   * array and its hops are frozen, and an array read earlier does not change.
   */
  readonly hops: readonly MessageHop[];

  /**
   * Appends a hop. Hops from `recordHop` are frozen already, and any other hop is copied and frozen.
   *
   * @throws TypeError when `hop` is not a hop.
   */
  addHop(hop: MessageHop): void;

  /**
   * Sets topic, stream key, partition and sequence number.
   *
   * @throws EnvelopeStateError when routing was already set; TypeError or RangeError naming an invalid field.
   */
  setRouting(routing: EnvelopeRouting): void;

  /**
   * Sets the W3C traceparent.
   *
   * @throws EnvelopeStateError when one was already set; TypeError when it is malformed.
   */
  setTraceparent(traceparent: string): void;
}

/** Options of {@link createEnvelope}. */
export interface EnvelopeOptions {
  /** Message id. Default: a new one from the envelope's clock. */
  messageId?: MessageId | undefined;

  /** Correlation id. Default: the parent's, else a new one. */
  correlationId?: CorrelationId | undefined;

  /** Causation id. Default: the parent's message id, else undefined. */
  causationId?: CausationId | undefined;

  /** Envelope of the message that caused this one; the child inherits its correlation id. */
  parent?: MessageEnvelope | undefined;

  /**
   * Message type name. Default: the payload's string `type` field, else the name of its class,
   * else `"unknown"` (plain objects, primitives, null).
   */
  messageType?: string | undefined;

  /** User on whose behalf the message is sent. */
  userId?: string | undefined;

  /** Tenant the message belongs to. */
  tenantId?: string | undefined;

  /** Metadata; copied shallowly and frozen. Default: empty. */
  metadata?: Readonly<Record<string, unknown>> | undefined;

  /** Wall clock for the envelope's timestamp, new ids and trail decisions. Default: {@link systemClock}. */
  clock?: Clock | undefined;

  /** W3C traceparent to start with. */
  traceparent?: string | undefined;
}

/** JSON form of an envelope, hops included with their callers resolved. */
export interface MessageEnvelopeJson {
  readonly messageId: MessageId;
  readonly correlationId: CorrelationId;
  readonly causationId: CausationId | undefined;
  readonly timestamp: number;
  readonly messageType: string;
  readonly payload: unknown;
  readonly topic: string | undefined;
  readonly streamKey: string | undefined;
  readonly partitionIndex: number | undefined;
  readonly sequenceNumber: number | undefined;
  readonly userId: string | undefined;
  readonly tenantId: string | undefined;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly traceparent: string | undefined;
  readonly policyTrail: PolicyDecisionTrailJson;
  readonly hops: readonly MessageHopJson[];
}

/**
 * Thrown when an envelope field that may be set only once is set again.
 *
 * @example
 * ```ts
 * try {
 *   envelope.setRouting(routing);
 * } catch (error) {
 *   if (error instanceof EnvelopeStateError) log.warn(error.message); // routed twice
 * }
 * ```
 */
export class EnvelopeStateError extends Error {
  override readonly name = 'EnvelopeStateError';

  /** The field that was already set: `"routing"` or `"traceparent"`. */
  readonly field: 'routing' | 'traceparent';

  constructor(field: 'routing' | 'traceparent', messageId: MessageId) {
    super(
      `The ${field} of message ${messageId} is already set and cannot change. ` +
        `Create a child envelope (createEnvelope(payload, { parent })) to send the message again.`,
    );
    this.field = field;
  }
}

const NO_HOPS: readonly MessageHop[] = Object.freeze([]);

// One generator per injected clock keeps ids from that clock monotonic across envelopes.
const generatorsByClock = new WeakMap<Clock, IdGenerator>();

class Envelope<TMessage> implements MessageEnvelope<TMessage> {
  readonly messageId: MessageId;
  readonly correlationId: CorrelationId;
  readonly causationId: CausationId | undefined;
  readonly timestamp: number;
  readonly payload: TMessage;
  readonly messageType: string;
  readonly policyTrail: PolicyDecisionTrail;
  readonly userId: string | undefined;
  readonly tenantId: string | undefined;
  readonly metadata: Readonly<Record<string, unknown>>;
  #routing: EnvelopeRouting | undefined;
  #traceparent: string | undefined;
  readonly #hops: MessageHop[] = [];

  // Frozen copy handed out by `hops`, rebuilt on the first read after addHop.
  #hopsSnapshot: readonly MessageHop[] = NO_HOPS;

  constructor(payload: TMessage, options: EnvelopeOptions) {
    const clock = options.clock ?? systemClock;
    const parent = options.parent;
    const ids = clock === systemClock ? undefined : generatorFor(clock);
    this.timestamp = clock.now();

    this.messageId = options.messageId === undefined ? (ids?.messageId() ?? createMessageId()) : parseMessageId(options.messageId);
    this.correlationId =
      options.correlationId !== undefined
        ? parseCorrelationId(options.correlationId)
        : (parent?.correlationId ?? ids?.correlationId() ?? createCorrelationId());
    this.causationId =
      options.causationId !== undefined
        ? parseCausationId(options.causationId)
        : parent === undefined
          ? undefined
          : causationIdOf(parent.messageId);
    this.payload = payload;
    this.messageType = options.messageType ?? messageTypeOf(payload);
    this.policyTrail = new PolicyDecisionTrail(clock);
    this.userId = options.userId;
    this.tenantId = options.tenantId;
    this.metadata = Object.freeze({ ...options.metadata });
    this.#traceparent = options.traceparent === undefined ? undefined : checkTraceparent(options.traceparent, 'options.traceparent');
  }

  get topic(): string | undefined {
    return this.#routing?.topic;
  }

  get streamKey(): string | undefined {
    return this.#routing?.streamKey;
  }

  get partitionIndex(): number | undefined {
    return this.#routing?.partitionIndex;
  }

  get sequenceNumber(): number | undefined {
    return this.#routing?.sequenceNumber;
  }

  get traceparent(): string | undefined {
    return this.#traceparent;
  }

  get hops(): readonly MessageHop[] {
    if (this.#hopsSnapshot.length !== this.#hops.length) {
      this.#hopsSnapshot = Object.freeze(this.#hops.slice());
    }
    return this.#hopsSnapshot;
  }

  addHop(hop: MessageHop): void {
    if (typeof hop !== 'object' || hop === null || typeof hop.topic !== 'string' || typeof hop.caller?.resolve !== 'function') {
      throw new TypeError(`Invalid hop: expected a MessageHop from recordHop(), received ${describeValue(hop)}.`);
    }

    // A hop built by hand is copied, so the caller's object cannot change the trace afterwards.
    this.#hops.push(Object.isFrozen(hop) ? hop : Object.freeze({ ...hop }));
  }

  setRouting(routing: EnvelopeRouting): void {
    if (this.#routing !== undefined) throw new EnvelopeStateError('routing', this.messageId);
    this.#routing = checkRouting(routing);
  }

  setTraceparent(traceparent: string): void {
    if (this.#traceparent !== undefined) throw new EnvelopeStateError('traceparent', this.messageId);
    this.#traceparent = checkTraceparent(traceparent, 'traceparent');
  }

  toJSON(): MessageEnvelopeJson {
    return envelopeToJSON(this);
  }
}

/**
 * Returns true when `value` was created by {@link createEnvelope}, whose ids are always valid
 * and in canonical lower-case form.
 *
 * @internal The package index does not export it.
 */
export function isCreatedEnvelope(value: unknown): boolean {
  return value instanceof Envelope;
}

/**
 * Creates an envelope for `payload`. Without options it starts a new conversation: new message
 * and correlation ids, no causation id. With `parent` it continues the parent's conversation.
 *
 * @throws InvalidIdError for a malformed id option; TypeError naming any other invalid option.
 *
 * @example
 * ```ts
 * const request = createEnvelope({ type: 'PlaceOrder', orderId: '42' }, { userId: 'u-7' });
 * const event = createEnvelope({ type: 'OrderPlaced', orderId: '42' }, { parent: request });
 * event.correlationId === request.correlationId; // true
 * event.causationId === request.messageId; // true
 * ```
 */
export function createEnvelope<T>(payload: T, options: EnvelopeOptions = {}): MessageEnvelope<T> {
  checkOptions(options);
  return new Envelope(payload, options);
}

/**
 * Returns the JSON form of an envelope, resolving each hop's caller. `JSON.stringify(envelope)`
 * gives the same result for envelopes from {@link createEnvelope}.
 *
 * @example
 * ```ts
 * await writeFile('trace.json', JSON.stringify(envelopeToJSON(envelope), null, 2));
 * ```
 */
export function envelopeToJSON(envelope: MessageEnvelope): MessageEnvelopeJson {
  return {
    messageId: envelope.messageId,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    timestamp: envelope.timestamp,
    messageType: envelope.messageType,
    payload: envelope.payload,
    topic: envelope.topic,
    streamKey: envelope.streamKey,
    partitionIndex: envelope.partitionIndex,
    sequenceNumber: envelope.sequenceNumber,
    userId: envelope.userId,
    tenantId: envelope.tenantId,
    metadata: envelope.metadata,
    traceparent: envelope.traceparent,
    policyTrail: envelope.policyTrail.toJSON(),
    hops: envelope.hops.map(hopToJSON),
  };
}

function generatorFor(clock: Clock): IdGenerator {
  let generator = generatorsByClock.get(clock);
  if (generator === undefined) {
    generator = createIdGenerator({ clock });
    generatorsByClock.set(clock, generator);
  }
  return generator;
}

function messageTypeOf(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return 'unknown';

  const type = (payload as { type?: unknown }).type;
  if (typeof type === 'string' && type !== '') return type;

  // A class instance names its class, but plain and null-prototype objects have no useful name.
  const prototype: unknown = Object.getPrototypeOf(payload);
  if (prototype === null || prototype === Object.prototype) return 'unknown';
  const name = (payload as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'unknown';
}

function checkOptions(options: EnvelopeOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Invalid options: expected an EnvelopeOptions object or undefined, received ${describeValue(options)}.`);
  }

  const { parent, messageType, userId, tenantId, metadata, clock } = options;
  if (parent !== undefined && (typeof parent !== 'object' || parent === null || typeof parent.messageId !== 'string' || typeof parent.correlationId !== 'string')) {
    throw new TypeError(`Invalid options.parent: expected the MessageEnvelope of the causing message, received ${describeValue(parent)}.`);
  }
  if (messageType !== undefined && (typeof messageType !== 'string' || messageType === '')) {
    throw new TypeError(`Invalid options.messageType: expected a non-empty string, received ${describeValue(messageType)}.`);
  }
  if (userId !== undefined && typeof userId !== 'string') {
    throw new TypeError(`Invalid options.userId: expected a string, received ${describeValue(userId)}.`);
  }
  if (tenantId !== undefined && typeof tenantId !== 'string') {
    throw new TypeError(`Invalid options.tenantId: expected a string, received ${describeValue(tenantId)}.`);
  }
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
    throw new TypeError(`Invalid options.metadata: expected a plain object of metadata values, received ${describeValue(metadata)}.`);
  }
  if (clock !== undefined && typeof clock?.now !== 'function') {
    throw new TypeError(`Invalid options.clock: expected an object with a now() method returning milliseconds, received ${describeValue(clock)}.`);
  }
}

function checkRouting(routing: EnvelopeRouting): EnvelopeRouting {
  if (typeof routing !== 'object' || routing === null) {
    throw new TypeError(`Invalid routing: expected { topic, streamKey, partitionIndex, sequenceNumber }, received ${describeValue(routing)}.`);
  }

  const { topic, streamKey, partitionIndex, sequenceNumber } = routing;
  if (typeof topic !== 'string' || topic === '') {
    throw new TypeError(`Invalid routing.topic: expected a non-empty string, received ${describeValue(topic)}.`);
  }
  if (typeof streamKey !== 'string') {
    throw new TypeError(`Invalid routing.streamKey: expected a string, received ${describeValue(streamKey)}.`);
  }
  if (!(Number.isSafeInteger(partitionIndex) && partitionIndex >= 0)) {
    throw new RangeError(`Invalid routing.partitionIndex: expected a non-negative integer, received ${describeValue(partitionIndex)}.`);
  }
  if (sequenceNumber !== undefined && !(Number.isSafeInteger(sequenceNumber) && sequenceNumber >= 0)) {
    throw new RangeError(`Invalid routing.sequenceNumber: expected a non-negative safe integer or undefined, received ${describeValue(sequenceNumber)}.`);
  }

  // A copy, so the caller's object cannot change the routing afterwards.
  return { topic, streamKey, partitionIndex, sequenceNumber };
}
