import { describeReceivedValue } from './describe-received-value.js';

const MAX_SAFE_TEXT = String(Number.MAX_SAFE_INTEGER);

/**
 * Converts a counter read from a store to a number, exactly or not at all. It accepts decimal
 * text (a PostgreSQL `bigint` column or a Redis bulk reply), a UTF-8 `Buffer` of such text, and a
 * safe non-negative integer (a Redis integer reply). Any other value is read as `String(value)`.
 *
 * @param streamKey - the stream the counter belongs to, named in error messages.
 * @throws TypeError when the value is not a run of decimal digits.
 * @throws RangeError when the value is above `Number.MAX_SAFE_INTEGER`, where a JavaScript number
 * would round it and could turn two different counters into the same number.
 *
 * @example
 * ```ts
 * parseStoredCounter('000042', 'order-42'); // 42
 * parseStoredCounter('9007199254740993', 'order-42'); // RangeError
 * ```
 */
export function parseStoredCounter(reply: unknown, streamKey: string): number {
  if (typeof reply === 'number' && Number.isSafeInteger(reply) && reply >= 0) return reply;
  let text: string;
  if (typeof reply === 'string') text = reply;
  else if (reply instanceof Buffer) text = reply.toString('utf8');
  else text = String(reply);
  if (!/^\d+$/.test(text)) {
    throw new TypeError(`Invalid counter value ${JSON.stringify(text)} stored for stream ${JSON.stringify(streamKey)}.`);
  }
  const digits = text.replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_SAFE_TEXT.length || (digits.length === MAX_SAFE_TEXT.length && digits > MAX_SAFE_TEXT)) {
    throw new RangeError(
      `The counter of stream ${JSON.stringify(streamKey)} is ${digits}, above Number.MAX_SAFE_INTEGER ` +
        `(${MAX_SAFE_TEXT}), so it cannot be returned exactly. Reset the stream or use a new stream key.`,
    );
  }
  return Number(digits);
}

/**
 * Checks a value that becomes a stored counter: an integer from 0 to `Number.MAX_SAFE_INTEGER`.
 *
 * @param argument - name of the value in error messages, such as `"newValue"`.
 * @throws TypeError when `value` is not a number; RangeError when it is not such an integer.
 *
 * @example
 * ```ts
 * validateCounterValue(newValue, 'newValue');
 * ```
 */
export function validateCounterValue(value: unknown, argument: string): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${argument} must be a number, received ${describeReceivedValue(value)}.`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${argument} must be an integer from 0 to Number.MAX_SAFE_INTEGER (${MAX_SAFE_TEXT}), received ${describeReceivedValue(value)}.`,
    );
  }
}
