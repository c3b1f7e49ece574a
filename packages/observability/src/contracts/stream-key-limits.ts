import { describeReceivedValue } from './describe-received-value.js';

/**
 * Maximum length of a stream key in UTF-8 bytes that the PostgreSQL and Redis stores accept, the
 * same for both so that one key works with a Redis provider and its PostgreSQL floor.
 */
export const MAX_STREAM_KEY_BYTES = 512;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks that `streamKey` can be stored and read back unchanged: a non-empty string of at most
 * {@link MAX_STREAM_KEY_BYTES} UTF-8 bytes, without NUL characters (PostgreSQL `text` cannot
 * contain them) and without lone surrogates (UTF-8 cannot encode them, so two different keys
 * would be stored as the same bytes).
 *
 * @param argument - name of the value in error messages. Default: `"streamKey"`.
 * @param nulReason - why a NUL character is rejected, the end of that error message. Default:
 *   `"PostgreSQL text cannot store it"`.
 * @throws TypeError when the key is not a string, is empty, contains NUL or a lone surrogate.
 * @throws RangeError when the key is longer than {@link MAX_STREAM_KEY_BYTES} bytes.
 *
 * @example
 * ```ts
 * validateStoredStreamKey('order-42'); // passes
 * validateStoredStreamKey('a\u0000b'); // TypeError: streamKey must not contain a NUL character ...
 * ```
 */
export function validateStoredStreamKey(
  streamKey: unknown,
  argument = 'streamKey',
  nulReason = 'PostgreSQL text cannot store it',
): asserts streamKey is string {
  if (typeof streamKey !== 'string') {
    throw new TypeError(`${argument} must be a non-empty string, received ${describeReceivedValue(streamKey)}.`);
  }
  if (streamKey.length === 0) {
    throw new TypeError(`${argument} must be a non-empty string, received "". Pass the key of the stream, such as "order-42".`);
  }

  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so short keys skip the byte count.
  if (streamKey.length * 3 > MAX_STREAM_KEY_BYTES) {
    const bytes = Buffer.byteLength(streamKey, 'utf8');
    if (bytes > MAX_STREAM_KEY_BYTES) {
      throw new RangeError(
        `${argument} is ${bytes} UTF-8 bytes long, more than the maximum of ${MAX_STREAM_KEY_BYTES}. ` +
          'Use a shorter key, for example a hash of the long one.',
      );
    }
  }

  if (streamKey.includes('\u0000')) {
    throw new TypeError(`${argument} must not contain a NUL character (U+0000), because ${nulReason}.`);
  }
  if (LONE_SURROGATE.test(streamKey)) {
    throw new TypeError(
      `${argument} contains a lone UTF-16 surrogate, which UTF-8 cannot encode. Pass well-formed Unicode text.`,
    );
  }
}
