import { systemClock, type Clock } from './clock.js';
import { describeValue } from './describe-value.js';
import { newUuidV7 } from './uuid-v7.js';

/**
 * Id of one message: a UUIDv7 in lower-case canonical text. The brand keeps message,
 * correlation and causation ids from being swapped by accident. Create one with
 * {@link createMessageId}, or check untrusted text with {@link parseMessageId}.
 */
export type MessageId = string & { readonly __brand: 'MessageId' };

/**
 * Id shared by every message of one conversation: the first message's request and everything
 * it causes. A child envelope inherits its parent's correlation id.
 */
export type CorrelationId = string & { readonly __brand: 'CorrelationId' };

/** Id of the message that caused this one: the parent's message id (see {@link causationIdOf}). */
export type CausationId = string & { readonly __brand: 'CausationId' };

/**
 * Source of message and correlation ids. Both kinds come from one monotonic state, so every id
 * a generator returns sorts after every earlier one, whichever kind it is.
 */
export interface IdGenerator {
  /** Returns a new message id. Throws a `RangeError` when the clock reads outside 0..2^48-1. */
  messageId(): MessageId;

  /** Returns a new correlation id. Throws a `RangeError` when the clock reads outside 0..2^48-1. */
  correlationId(): CorrelationId;
}

/** Options of {@link createIdGenerator}. */
export interface IdGeneratorOptions {
  /**
   * Wall clock whose milliseconds go into the id's 48-bit timestamp. Fractions are dropped.
   * Default: {@link systemClock}.
   */
  clock?: Clock;
}

/**
 * Thrown when a text is not a canonical UUIDv7. It extends `TypeError`, so callers that only
 * check for bad input types catch it too.
 *
 * @example
 * ```ts
 * try {
 *   parseMessageId(request.headers['message-id']);
 * } catch (error) {
 *   if (error instanceof InvalidIdError) reply(400, error.message);
 * }
 * ```
 */
export class InvalidIdError extends TypeError {
  override readonly name = 'InvalidIdError';

  /** Name of the argument or field that held the invalid value, for example `"messageId"`. */
  readonly argument: string;

  /** The rejected value, unchanged. */
  readonly value: unknown;

  constructor(argument: string, value: unknown) {
    super(
      `Invalid ${argument}: expected a UUIDv7 in canonical text ` +
        `(xxxxxxxx-xxxx-7xxx-Vxxx-xxxxxxxxxxxx, hex digits, V one of 8, 9, a, b; any case), ` +
        `received ${describeValue(value)}. Create ids with createMessageId() or createCorrelationId().`,
    );
    this.argument = argument;
    this.value = value;
  }
}

// Version nibble 7 and the RFC 9562 variant (binary 10xx, so 8, 9, a or b) are part of the form.
const CANONICAL_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

// The timestamp field has 48 bits.
const MAX_TIMESTAMP = 2 ** 48 - 1;

// A counter value that fits in 31 bits leaves at least 2^31 increments before it wraps.
const COUNTER_START_RANGE = 0x80000000;

/**
 * Creates an id generator with its own monotonic state, for tests that need a fixed or
 * stepping clock. Production code uses {@link createMessageId} and {@link createCorrelationId}.
 *
 * Ids stay unique and strictly increasing (as strings) even when the clock stands still or
 * steps back: the generator keeps the newest millisecond it has used and, while the clock reads
 * that millisecond or an earlier one, increments the 32-bit counter that follows the timestamp
 * (the field uuid's `v7()` fills with its sequence). A counter overflow moves the timestamp
 * forward by 1 ms.
 *
 * @throws TypeError when `options.clock` has no `now` function.
 *
 * @example
 * ```ts
 * let now = Date.parse('2026-01-01T00:00:00Z');
 * const ids = createIdGenerator({ clock: { now: () => now } });
 * const first = ids.messageId();
 * now -= 2_000; // the wall clock steps back
 * const second = ids.messageId(); // still sorts after `first`
 * ```
 */
export function createIdGenerator(options: IdGeneratorOptions = {}): IdGenerator {
  const clock = options.clock ?? systemClock;
  if (typeof clock?.now !== 'function') {
    throw new TypeError(
      `Invalid options.clock: expected an object with a now() method returning milliseconds, received ${describeValue(clock)}.`,
    );
  }

  // Newest millisecond written into an id, and the counter value used with it. uuid's own
  // monotonic state only applies when it reads Date.now itself, so an injected clock needs this.
  let lastMilliseconds = -1;
  let counter = 0;

  const next = (): string => {
    const reading = clock.now();
    if (!(reading >= 0 && reading <= MAX_TIMESTAMP)) {
      throw new RangeError(
        `Invalid clock reading ${describeValue(reading)}: the id generator's clock must return milliseconds since the Unix epoch between 0 and 2^48-1.`,
      );
    }
    const now = Math.floor(reading);

    if (now > lastMilliseconds) {
      lastMilliseconds = now;
      counter = Math.floor(Math.random() * COUNTER_START_RANGE);
    } else {
      // The clock stood still or stepped back: keep the newest millisecond, count up.
      counter = (counter + 1) >>> 0;
      if (counter === 0) lastMilliseconds++;
    }

    return newUuidV7(lastMilliseconds, counter);
  };

  return {
    messageId: () => next() as MessageId,
    correlationId: () => next() as CorrelationId,
  };
}

const processGenerator = createIdGenerator();

/**
 * Creates a new message id from the system clock. Ids created in one process sort in creation
 * order, even when the system clock steps back.
 *
 * @example
 * ```ts
 * const id = createMessageId(); // '0190163d-8694-739b-aea5-966c26f8ad91'
 * ```
 */
export function createMessageId(): MessageId {
  return processGenerator.messageId();
}

/**
 * Creates a new correlation id from the system clock, for the first message of a conversation.
 * Later messages inherit it (see `createEnvelope`'s `parent` option).
 *
 * @example
 * ```ts
 * const correlationId = createCorrelationId();
 * ```
 */
export function createCorrelationId(): CorrelationId {
  return processGenerator.correlationId();
}

function parseCanonicalV7(text: unknown, argument: string): string {
  if (typeof text !== 'string' || !CANONICAL_V7.test(text)) {
    throw new InvalidIdError(argument, text);
  }
  return text.toLowerCase();
}

/**
 * Checks that untrusted input is a canonical UUIDv7 and returns it in lower case as a message id.
 *
 * @throws InvalidIdError for anything else: another UUID version or variant, a wrong length,
 *   braces or a `urn:uuid:` prefix, non-hex digits, or a value that is not a string.
 *
 * @example
 * ```ts
 * const id = parseMessageId('0190163D-8694-739B-AEA5-966C26F8AD91'); // lower-cased
 * ```
 */
export function parseMessageId(text: unknown): MessageId {
  return parseCanonicalV7(text, 'messageId') as MessageId;
}

/**
 * Checks that untrusted input is a canonical UUIDv7 and returns it in lower case as a
 * correlation id.
 *
 * @throws InvalidIdError for anything else (see {@link parseMessageId}).
 *
 * @example
 * ```ts
 * const correlationId = parseCorrelationId(headers['correlation-id']);
 * ```
 */
export function parseCorrelationId(text: unknown): CorrelationId {
  return parseCanonicalV7(text, 'correlationId') as CorrelationId;
}

/**
 * Checks that untrusted input is a canonical UUIDv7 and returns it in lower case as a causation id.
 *
 * @throws InvalidIdError for anything else (see {@link parseMessageId}).
 *
 * @example
 * ```ts
 * const causationId = parseCausationId(headers['causation-id']);
 * ```
 */
export function parseCausationId(text: unknown): CausationId {
  return parseCanonicalV7(text, 'causationId') as CausationId;
}

/**
 * Returns a parent's message id as the causation id of a message it caused.
 *
 * @throws InvalidIdError when `messageId` is not a canonical UUIDv7.
 *
 * @example
 * ```ts
 * const child = createEnvelope(reply, { causationId: causationIdOf(request.messageId) });
 * ```
 */
export function causationIdOf(messageId: MessageId): CausationId {
  return parseCanonicalV7(messageId, 'messageId') as CausationId;
}

/**
 * Returns the creation time encoded in a UUIDv7, in milliseconds since the Unix epoch.
 *
 * @throws InvalidIdError when `id` is not a canonical UUIDv7.
 *
 * @example
 * ```ts
 * new Date(idTimestamp(envelope.messageId)).toISOString();
 * ```
 */
export function idTimestamp(id: MessageId | CorrelationId | CausationId): number {
  parseCanonicalV7(id, 'id');

  // The first 12 hex digits (48 bits), split by the first hyphen, are the timestamp.
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
