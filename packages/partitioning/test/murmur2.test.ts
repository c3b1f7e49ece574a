import { createRequire } from 'node:module';

import { streamKeyArbitrary } from '@whizbang/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { murmur2 } from '../src/index.js';
import { packUtf8Bytes, readScalarValue, utf8ByteCount, utf8ByteLength } from '../src/utf8.js';

// KafkaJS's own murmur2 (a port of the Java client's, on 64-bit BigInt arithmetic). The file is
// not in KafkaJS's typings, hence the require and the declared type.
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string | Buffer) => number;

/** Collects the UTF-8 bytes that the hash functions compute on the fly. */
function encodeOnTheFly(text: string): number[] {
  const bytes: number[] = [];
  let index = 0;
  while (index < text.length) {
    const scalar = readScalarValue(text, index);
    index += scalar > 0xffff ? 2 : 1;
    const packed = packUtf8Bytes(scalar);
    for (let byte = 0; byte < utf8ByteCount(scalar); byte++) bytes.push((packed >>> (byte * 8)) & 0xff);
  }
  return bytes;
}

describe('murmur2', () => {
  // Expected values from Kafka's Java client tests (UtilsTest.testMurmur2).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %j like Kafka', (key, expected) => {
    expect(murmur2(key)).toBe(expected);
  });

  it('returns a signed 32-bit integer', () => {
    fc.assert(
      fc.property(streamKeyArbitrary(), (key) => {
        const hash = murmur2(key);
        expect(Number.isInteger(hash)).toBe(true);
        expect(hash).toBe(hash | 0);
      }),
    );
  });

  it('matches KafkaJS on every tail length', () => {
    // ASCII prefixes of 0 to 3 bytes shift 1- to 4-byte characters across every block boundary.
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      for (const unit of ['a', 'é', '€', '🔑']) {
        for (let repeat = 0; repeat <= 8; repeat++) {
          const key = prefix + unit.repeat(repeat);
          expect(murmur2(key)).toBe(kafkajsMurmur2(key));
        }
      }
    }
  });

  it('matches KafkaJS on ASCII keys of every length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 80 }), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
      { numRuns: 5_000 },
    );
  });

  it('matches KafkaJS with non-ASCII after any ASCII prefix', () => {
    // An ASCII start takes a faster path that must hand over to the UTF-8 path mid-key.
    const ascii = '0123456789abcdef0123456789abcdef0123';
    for (let length = 0; length <= ascii.length; length++) {
      for (const unit of ['\u007f', '\u0080', 'é', '€', '🔑', '\uD800']) {
        const key = ascii.slice(0, length) + unit + ascii.slice(length);
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }
    }
  });

  it('matches KafkaJS on random Unicode keys', () => {
    fc.assert(
      fc.property(streamKeyArbitrary(200), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
      { numRuns: 20_000 },
    );
  });

  it('encodes lone surrogates as U+FFFD', () => {
    expect(murmur2('\uD800')).toBe(murmur2('\uFFFD'));
    expect(murmur2('a\uDC00b')).toBe(murmur2('a\uFFFDb'));
    expect(murmur2('\uD800')).toBe(kafkajsMurmur2(Buffer.from([0xef, 0xbf, 0xbd])));
  });

  it('rejects a key that is not a string', () => {
    expect(() => murmur2(42 as never)).toThrow(TypeError);
    expect(() => murmur2(undefined as never)).toThrow(/key must be a string; received undefined/);
  });
});

describe('UTF-8 on the fly', () => {
  it('produces the bytes of Buffer.from', () => {
    fc.assert(
      fc.property(streamKeyArbitrary(), (text) => {
        const expected = [...Buffer.from(text, 'utf8')];
        expect(encodeOnTheFly(text)).toEqual(expected);
        expect(utf8ByteLength(text)).toBe(expected.length);
      }),
      { numRuns: 5000 },
    );
  });

  it('covers each byte-length boundary', () => {
    for (const scalar of [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff]) {
      const text = String.fromCodePoint(scalar);
      expect(encodeOnTheFly(text)).toEqual([...Buffer.from(text, 'utf8')]);
    }
  });
});
