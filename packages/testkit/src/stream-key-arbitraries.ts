import fc from 'fast-check';

/**
 * Builds a fast-check arbitrary of any JavaScript string a caller might pass as a stream key:
 * printable ASCII, any Unicode code point, and any sequence of UTF-16 code units (so lone
 * surrogates and pairs split across positions occur).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(streamKeyArbitrary(), (key) => typeof router.selectPartition(key, 4) === 'number'));
 * ```
 */
export function streamKeyArbitrary(maxLength = 64): fc.Arbitrary<string> {
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.oneof(codeUnit, surrogate), maxLength }),
  );
}

/**
 * Keys that break naive implementations: empty, multi-byte UTF-8, supplementary characters,
 * combining marks, lone and reversed surrogates, NUL and other control characters.
 */
export const edgeCaseStreamKeys: readonly string[] = [
  '',
  ' ',
  'a',
  'order-42',
  'é',
  'e\u0301',
  'ключ-заказа',
  '注文-42',
  '🔑',
  '👩‍👩‍👧',
  '\u0000',
  '\n\t\r',
  '\uD800',
  '\uDFFF',
  'a\uD800b',
  '\uDC00\uD800',
  '\uFFFD',
  '\uFEFFbom',
];
