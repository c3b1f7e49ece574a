import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MAX_STREAM_KEY_BYTES, validateStoredStreamKey } from '../../src/contracts/stream-key-limits.js';

describe('validateStoredStreamKey', () => {
  it('accepts a key of exactly the maximum bytes', () => {
    const key = '键'.repeat(MAX_STREAM_KEY_BYTES / 4) + 'abcd'.repeat(MAX_STREAM_KEY_BYTES / 16);
    expect(Buffer.byteLength(key)).toBe(MAX_STREAM_KEY_BYTES);

    expect(() => validateStoredStreamKey(key)).not.toThrow();
  });

  it('rejects a key one byte too long', () => {
    const key = 'é'.repeat(MAX_STREAM_KEY_BYTES / 2) + 'x';

    expect(() => validateStoredStreamKey(key)).toThrow(RangeError);
    expect(() => validateStoredStreamKey(key)).toThrow('streamKey is 513 UTF-8 bytes long, more than the maximum of 512.');
  });

  it.each([
    ['a number', 42, 'streamKey must be a non-empty string, received 42.'],
    ['undefined', undefined, 'streamKey must be a non-empty string, received undefined.'],
    ['null', null, 'streamKey must be a non-empty string, received null.'],
    ['an object', {}, 'streamKey must be a non-empty string, received an object.'],
    ['an empty string', '', 'streamKey must be a non-empty string, received "". Pass the key of the stream'],
    ['a lone surrogate', 'lone\uD800surrogate', 'streamKey contains a lone UTF-16 surrogate'],
  ])('rejects %s with a TypeError', (_case, key, message) => {
    expect(() => validateStoredStreamKey(key)).toThrow(TypeError);
    expect(() => validateStoredStreamKey(key)).toThrow(message);
  });

  it('names the argument and the NUL reason', () => {
    expect(() => validateStoredStreamKey('nul\u0000byte')).toThrow(
      'streamKey must not contain a NUL character (U+0000), because PostgreSQL text cannot store it.',
    );
    expect(() => validateStoredStreamKey('nul\u0000byte', 'key', 'a PostgreSQL floor cannot store it')).toThrow(
      'key must not contain a NUL character (U+0000), because a PostgreSQL floor cannot store it.',
    );
  });

  it('accepts every short well-formed key without NUL', () => {
    const key = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      .filter((text) => !text.includes('\u0000') && Buffer.byteLength(text) <= MAX_STREAM_KEY_BYTES);

    fc.assert(fc.property(key, (text) => validateStoredStreamKey(text)));
  });

  it('rejects every key with a lone surrogate', () => {
    const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), surrogate, fc.string({ maxLength: 20 }), (before, lone, after) => {
        // The default string unit is ASCII, and the x on each side keeps the surrogate unpaired.
        const key = `${before}x${lone}x${after}`;
        expect(() => validateStoredStreamKey(key)).toThrow(TypeError);
      }),
    );
  });
});
