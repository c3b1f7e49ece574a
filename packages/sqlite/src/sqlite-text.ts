/**
 * How a JavaScript string is stored so that it reads back unchanged: a well-formed string as
 * TEXT, and a string with a lone surrogate (which has no UTF-8 form, so SQLite would store
 * U+FFFD in its place) as a BLOB of its UTF-16LE code units. SQLite never compares a TEXT value
 * equal to a BLOB, so two different strings can never share one stored key.
 *
 * @internal
 */
export function encodeText(value: string): string | Buffer {
  return value.isWellFormed() ? value : Buffer.from(value, 'utf16le');
}

/**
 * Reverses {@link encodeText}: TEXT comes back as it is, a BLOB is decoded from UTF-16LE.
 *
 * @internal
 */
export function decodeText(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('utf16le');
}

/**
 * Same as {@link encodeText} for a nullable column.
 *
 * @internal
 */
export function encodeNullableText(value: string | null): string | Buffer | null {
  return value === null ? null : encodeText(value);
}

/**
 * Same as {@link decodeText} for a nullable column.
 *
 * @internal
 */
export function decodeNullableText(value: string | Buffer | null): string | null {
  return value === null ? null : decodeText(value);
}
