import { multiply64, result } from './uint64.js';
import { packUtf8Bytes, readScalarValue, utf8ByteCount } from './utf8.js';

// 64-bit FNV-1a: offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3.
const FNV_OFFSET_HI = 0xcbf29ce4;
const FNV_OFFSET_LO = 0x84222325;
const FNV_PRIME_LOW_PART = 0x1b3;

// MurmurHash3 fmix64 constants 0xff51afd7ed558ccd and 0xc4ceb9fe1a85ec53.
const FMIX_1_HI = 0xff51afd7;
const FMIX_1_LO = 0xed558ccd;
const FMIX_2_HI = 0xc4ceb9fe;
const FMIX_2_LO = 0x1a85ec53;

// Multiplier 2862933555777941757 = 0x27bb2ee687b0b0fd of the linear congruential generator in
// Lamping and Veach's jump consistent hash.
const LCG_HI = 0x27bb2ee6;
const LCG_LO = 0x87b0b0fd;

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_31 = 0x8000_0000;

/**
 * Computes the 64-bit hash of `key` that the jump-hash router passes to the jump function, and
 * stores it in `result` of `./uint64.js`. It is 64-bit FNV-1a over the UTF-8 bytes (lone
 * surrogates as U+FFFD), then MurmurHash3's fmix64 finalizer, so that keys differing in one
 * byte differ in about half the bits.
 */
export function hashKey64(key: string): void {
  let hi = FNV_OFFSET_HI;
  let lo = FNV_OFFSET_LO;
  let index = 0;

  while (index < key.length) {
    const scalar = readScalarValue(key, index);
    index += scalar > 0xffff ? 2 : 1;

    const bytes = packUtf8Bytes(scalar);
    const count = utf8ByteCount(scalar);

    for (let byteIndex = 0; byteIndex < count; byteIndex++) {
      lo = (lo ^ ((bytes >>> (byteIndex * 8)) & 0xff)) >>> 0;

      // hash * prime = hash * 0x1b3 + (hash << 40). Both products of 0x1b3 stay below 2^41, so
      // they are exact. `lo << 8` is the part of `hash << 40` that lands in the high word.
      const lowProduct = lo * FNV_PRIME_LOW_PART;
      const carry = Math.floor(lowProduct / TWO_POW_32);
      hi = (hi * FNV_PRIME_LOW_PART + carry + (lo << 8)) >>> 0;
      lo = lowProduct >>> 0;
    }
  }

  // fmix64: k ^= k >>> 33; k *= C1; k ^= k >>> 33; k *= C2; k ^= k >>> 33.
  lo = (lo ^ (hi >>> 1)) >>> 0;
  multiply64(hi, lo, FMIX_1_HI, FMIX_1_LO);
  hi = result.hi;
  lo = (result.lo ^ (hi >>> 1)) >>> 0;
  multiply64(hi, lo, FMIX_2_HI, FMIX_2_LO);
  hi = result.hi;
  lo = (result.lo ^ (hi >>> 1)) >>> 0;

  result.hi = hi;
  result.lo = lo;
}

/**
 * Runs Lamping and Veach's jump consistent hash ("A Fast, Minimal Memory, Consistent Hash
 * Algorithm", 2014) on the 64-bit key `keyHi:keyLo` and returns a bucket in `[0, buckets)`.
 * It follows the paper's C++ code step by step, including its double-precision division, so
 * it returns the same bucket as that code for the same 64-bit key.
 */
export function jumpConsistentHash(keyHi: number, keyLo: number, buckets: number): number {
  let hi = keyHi;
  let lo = keyLo;
  let bucket = -1;
  let jump = 0;

  while (jump < buckets) {
    bucket = jump;

    // key = key * 2862933555777941757 + 1 (mod 2^64)
    multiply64(hi, lo, LCG_HI, LCG_LO);
    hi = result.hi;
    lo = result.lo + 1;
    if (lo === TWO_POW_32) {
      lo = 0;
      hi = (hi + 1) >>> 0;
    }

    // j = (b + 1) * (double(1 << 31) / double((key >> 33) + 1)); key >> 33 is hi >>> 1.
    jump = Math.floor((bucket + 1) * (TWO_POW_31 / ((hi >>> 1) + 1)));
  }
  return bucket;
}
