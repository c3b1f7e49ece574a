// UTF-8 encoding computed from UTF-16 code units on the fly, so hashing a key allocates no
// buffer. The bytes match `Buffer.from(key, 'utf8')` and `TextEncoder`, including their
// handling of lone surrogates, which both encode as U+FFFD (EF BF BD).

/** Replacement character written for a lone surrogate. */
const REPLACEMENT_CHARACTER = 0xfffd;

/**
 * Reads the Unicode scalar value that starts at code unit `index` of `text`. A surrogate pair
 * yields its supplementary code point (the caller then advances by 2 code units), and a lone
 * surrogate yields U+FFFD (the caller advances by 1).
 */
export function readScalarValue(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit < 0xd800 || unit > 0xdfff) return unit;

  // A high surrogate followed by a low surrogate is one code point; anything else is lone.
  if (unit <= 0xdbff && index + 1 < text.length) {
    const next = text.charCodeAt(index + 1);
    if (next >= 0xdc00 && next <= 0xdfff) {
      return 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
    }
  }
  return REPLACEMENT_CHARACTER;
}

/** Returns the number of UTF-8 bytes (1 to 4) of a Unicode scalar value. */
export function utf8ByteCount(scalar: number): number {
  if (scalar < 0x80) return 1;
  if (scalar < 0x800) return 2;
  if (scalar < 0x10000) return 3;
  return 4;
}

/**
 * Packs the UTF-8 bytes of a Unicode scalar value into one 32-bit integer, first byte in the
 * lowest 8 bits (the little-endian order in which murmur2 reads a 4-byte block).
 */
export function packUtf8Bytes(scalar: number): number {
  if (scalar < 0x80) return scalar;

  if (scalar < 0x800) {
    return (0xc0 | (scalar >>> 6)) | ((0x80 | (scalar & 0x3f)) << 8);
  }

  if (scalar < 0x10000) {
    return (
      (0xe0 | (scalar >>> 12)) |
      ((0x80 | ((scalar >>> 6) & 0x3f)) << 8) |
      ((0x80 | (scalar & 0x3f)) << 16)
    );
  }

  return (
    (0xf0 | (scalar >>> 18)) |
    ((0x80 | ((scalar >>> 12) & 0x3f)) << 8) |
    ((0x80 | ((scalar >>> 6) & 0x3f)) << 16) |
    ((0x80 | (scalar & 0x3f)) << 24)
  );
}

/** Returns the length in bytes of the UTF-8 encoding of `text`. */
export function utf8ByteLength(text: string): number {
  let length = 0;
  let index = 0;

  while (index < text.length) {
    const scalar = readScalarValue(text, index);
    length += utf8ByteCount(scalar);
    index += scalar > 0xffff ? 2 : 1;
  }
  return length;
}
