import { packUtf8Bytes, readScalarValue, utf8ByteCount, utf8ByteLength } from './utf8.js';

/** Seed of Kafka's murmur2 (`Utils.murmur2` in the Java client). */
const SEED = 0x9747b28c | 0;

/** Mixing constant of MurmurHash2. */
const M = 0x5bd1e995;

/** Mixes one little-endian 4-byte block `block` into the running hash `hash`. */
function mixBlock(hash: number, block: number): number {
  let k = Math.imul(block, M);
  k ^= k >>> 24;
  k = Math.imul(k, M);
  return Math.imul(hash, M) ^ k;
}

/**
 * Computes Kafka's murmur2 hash of the UTF-8 bytes of `key`: the function behind the Java
 * client's default partitioner (`Utils.murmur2`) and KafkaJS's `DefaultPartitioner`.
 *
 * The result is a signed 32-bit integer, as in Kafka's own tests. The UTF-8 bytes are computed
 * on the fly, so no buffer is allocated. A lone surrogate is encoded as U+FFFD (EF BF BD), as
 * `Buffer.from(key)` does in KafkaJS. The Java client's `StringSerializer` writes `?` (0x3F)
 * for a lone surrogate instead, so only for such malformed keys can the two clients disagree.
 *
 * @example
 * ```ts
 * murmur2('foobar'); // -790332482
 * (murmur2('foobar') & 0x7fffffff) % 10; // 6: the partition Kafka picks among 10
 * ```
 */
export function murmur2(key: string): number {
  if (typeof key !== 'string') {
    throw new TypeError(`key must be a string; received ${typeof key}. Convert it with String(key).`);
  }

  // Keys are usually ASCII (ids, UUIDs), and then each UTF-16 code unit is one UTF-8 byte: the
  // byte length is the string length and a block is 4 code units. The first code unit above
  // 0x7f hands the key to the general UTF-8 path, which starts over.
  const length = key.length;
  let hash = SEED ^ length;
  const blocksEnd = length - (length & 3);
  let index = 0;

  for (; index < blocksEnd; index += 4) {
    const byte0 = key.charCodeAt(index);
    const byte1 = key.charCodeAt(index + 1);
    const byte2 = key.charCodeAt(index + 2);
    const byte3 = key.charCodeAt(index + 3);
    if ((byte0 | byte1 | byte2 | byte3) > 0x7f) return murmur2Utf8(key);

    hash = mixBlock(hash, byte0 | (byte1 << 8) | (byte2 << 16) | (byte3 << 24));
  }

  // The 1 to 3 tail bytes, first byte lowest, xored in as in murmur2Utf8.
  let tail = 0;
  for (let shift = 0; index < length; index++, shift += 8) {
    const byte = key.charCodeAt(index);
    if (byte > 0x7f) return murmur2Utf8(key);
    tail |= byte << shift;
  }
  if ((length & 3) !== 0) hash = Math.imul(hash ^ tail, M);

  return finish(hash);
}

/** murmur2 of any string, encoding it to UTF-8 on the fly (see {@link murmur2}). */
function murmur2Utf8(key: string): number {
  // The byte length seeds the hash, so it must be known before the first block is mixed.
  let hash = SEED ^ utf8ByteLength(key);

  // `block` collects up to 4 bytes, first byte lowest; `filled` counts the bytes in it.
  let block = 0;
  let filled = 0;
  let index = 0;

  while (index < key.length) {
    const scalar = readScalarValue(key, index);
    index += scalar > 0xffff ? 2 : 1;

    const bytes = packUtf8Bytes(scalar);
    const count = utf8ByteCount(scalar);
    const free = 4 - filled;

    // Shift counts are 0, 8, 16 or 24, so `<<` never wraps around at 32.
    block |= bytes << (filled * 8);

    if (count < free) {
      filled += count;
      continue;
    }

    hash = mixBlock(hash, block);

    // The bytes that did not fit start the next block. With free === 4 all of them fitted,
    // and the shift below would be by 32, which JavaScript takes as a shift by 0.
    block = free === 4 ? 0 : bytes >>> (free * 8);
    filled = count - free;
  }

  // Kafka xors the 1 to 3 tail bytes in one by one. The unused high bytes of `block` are 0,
  // so xoring the whole block gives the same hash.
  if (filled > 0) {
    hash = Math.imul(hash ^ block, M);
  }

  return finish(hash);
}

/** Final avalanche of murmur2; returns the hash as a signed 32-bit integer. */
function finish(hash: number): number {
  hash ^= hash >>> 13;
  hash = Math.imul(hash, M);
  hash ^= hash >>> 15;
  return hash | 0;
}
