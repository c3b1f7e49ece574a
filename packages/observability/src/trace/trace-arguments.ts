import {
  InvalidIdError,
  parseCausationId,
  parseCorrelationId,
  parseMessageId,
  type CausationId,
  type CorrelationId,
  type MessageId,
} from '../ids.js';
import { describeValue } from '../describe-value.js';

// Argument checks shared by every TraceStore implementation, so that each store rejects the same
// input with the same error class and a message that names the argument.

/**
 * Parses a message id argument and returns it in canonical lower-case form.
 *
 * @param argument - name of the argument in the error message, such as `"messageId"`.
 * @throws InvalidIdError (a TypeError) when `value` is not a UUIDv7 string.
 *
 * @example
 * ```ts
 * const id = parseMessageIdArgument(input, 'messageId');
 * ```
 */
export function parseMessageIdArgument(value: unknown, argument: string): MessageId {
  return parseIdArgument(parseMessageId, value, argument);
}

/**
 * Parses a correlation id argument and returns it in canonical lower-case form.
 *
 * @throws InvalidIdError (a TypeError) when `value` is not a UUIDv7 string.
 *
 * @example
 * ```ts
 * const id = parseCorrelationIdArgument(input, 'correlationId');
 * ```
 */
export function parseCorrelationIdArgument(value: unknown, argument: string): CorrelationId {
  return parseIdArgument(parseCorrelationId, value, argument);
}

/**
 * Parses a causation id argument and returns it in canonical lower-case form.
 *
 * @throws InvalidIdError (a TypeError) when `value` is not a UUIDv7 string.
 *
 * @example
 * ```ts
 * const id = parseCausationIdArgument(input, 'trace.causationId');
 * ```
 */
export function parseCausationIdArgument(value: unknown, argument: string): CausationId {
  return parseIdArgument(parseCausationId, value, argument);
}

function parseIdArgument<T>(parse: (text: unknown) => T, value: unknown, argument: string): T {
  try {
    return parse(value);
  } catch (error) {
    if (!(error instanceof InvalidIdError)) throw error;

    throw new InvalidIdError(
      `Invalid ${argument}: ${describeValue(value)}. Expected a UUIDv7 in canonical text, as createMessageId() returns.`,
      { cause: error },
    );
  }
}

/**
 * Converts a time argument (milliseconds since the Unix epoch, or a `Date`) to milliseconds.
 *
 * @throws TypeError when `value` is neither a number nor a Date.
 * @throws RangeError when the number is not finite or the Date is invalid.
 *
 * @example
 * ```ts
 * parseTimeArgument(new Date('2030-01-01T00:00:00Z'), 'from'); // 1893456000000
 * ```
 */
export function parseTimeArgument(value: unknown, argument: string): number {
  let milliseconds: number;
  if (typeof value === 'number') {
    milliseconds = value;
  } else if (value instanceof Date) {
    milliseconds = value.getTime();
  } else {
    throw new TypeError(
      `Invalid ${argument}: ${describeValue(value)}. Pass milliseconds since the Unix epoch or a Date.`,
    );
  }

  if (!Number.isFinite(milliseconds)) {
    const description = value instanceof Date ? 'an invalid Date' : describeValue(value);
    throw new RangeError(`Invalid ${argument}: ${description}. Pass a finite number of milliseconds or a valid Date.`);
  }
  return milliseconds;
}

/**
 * Converts the bounds of an inclusive time range to milliseconds and checks their order.
 *
 * @throws TypeError or RangeError as {@link parseTimeArgument} does, naming `from` or `to`.
 * @throws RangeError when `from` is later than `to`.
 *
 * @example
 * ```ts
 * const { from, to } = parseTimeRangeArguments(start, Date.now());
 * ```
 */
export function parseTimeRangeArguments(from: unknown, to: unknown): { from: number; to: number } {
  const fromMs = parseTimeArgument(from, 'from');
  const toMs = parseTimeArgument(to, 'to');
  if (fromMs > toMs) {
    throw new RangeError(
      `Invalid time range: from (${new Date(fromMs).toISOString()}) is later than to (${new Date(toMs).toISOString()}). ` +
        'Swap the bounds.',
    );
  }
  return { from: fromMs, to: toMs };
}

/**
 * Checks an optional abort signal argument and throws its reason when it is already aborted.
 *
 * @throws TypeError when `signal` is neither undefined nor an AbortSignal.
 * @throws `signal.reason` (by default a DOMException named `AbortError`) when the signal is aborted.
 *
 * @example
 * ```ts
 * async getByMessageId(messageId: MessageId, signal?: AbortSignal) {
 *   throwIfAborted(signal, 'signal');
 *   // ...
 * }
 * ```
 */
export function throwIfAborted(signal: unknown, argument: string): void {
  if (signal === undefined) return;

  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(`Invalid ${argument}: ${describeValue(signal)}. Pass an AbortSignal or omit it.`);
  }
  signal.throwIfAborted();
}
