import { randomFillSync } from 'node:crypto';

// Two lower-case hex digits for every byte value.
const HEX: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

// Random bytes for 512 ids per refill. Each id takes 6 bytes: 2 bits of the first and all of
// the other 5 fill the 42 random bits after the counter.
const RANDOM_BYTES_PER_ID = 6;
const pool = new Uint8Array(RANDOM_BYTES_PER_ID * 512);
let poolOffset = pool.length;

/**
 * Formats a UUIDv7 as canonical lower-case text: 48 bits of `milliseconds`, the version, 32 bits
 * of `counter`, the RFC 9562 variant, then 42 random bits from `random` at `offset` (6 bytes, of
 * which the first contributes its low 2 bits). The layout is the one uuid's `v7()` writes for
 * its `seq` option, so ids from one millisecond sort by counter.
 *
 * Writing the text directly allocates only the string. uuid fills a byte array and converts it,
 * and its random source copies 16 fresh bytes into a new array per id.
 *
 * @param milliseconds - an integer from 0 to 2^48 - 1.
 * @param counter - an unsigned 32-bit integer.
 *
 * @internal
 */
export function formatUuidV7(milliseconds: number, counter: number, random: Uint8Array, offset: number): string {
  // Bitwise operators work on 32 bits, so the 48-bit timestamp is split into 16 + 32 bits.
  const high = Math.floor(milliseconds / 0x100000000);
  const low = milliseconds >>> 0;

  return (
    HEX[high >>> 8]! +
    HEX[high & 0xff]! +
    HEX[low >>> 24]! +
    HEX[(low >>> 16) & 0xff]! +
    '-' +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | (counter >>> 28)]! +
    HEX[(counter >>> 20) & 0xff]! +
    '-' +
    HEX[0x80 | ((counter >>> 14) & 0x3f)]! +
    HEX[(counter >>> 6) & 0xff]! +
    '-' +
    HEX[((counter << 2) & 0xff) | (random[offset]! & 0x03)]! +
    HEX[random[offset + 1]!]! +
    HEX[random[offset + 2]!]! +
    HEX[random[offset + 3]!]! +
    HEX[random[offset + 4]!]! +
    HEX[random[offset + 5]!]!
  );
}

/**
 * Returns a UUIDv7 with the given timestamp and counter and fresh random bits from a pool that
 * `crypto.randomFillSync` refills every 512 ids.
 *
 * @internal
 */
export function newUuidV7(milliseconds: number, counter: number): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += RANDOM_BYTES_PER_ID;
  return formatUuidV7(milliseconds, counter, pool, offset);
}
