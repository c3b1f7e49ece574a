// Unsigned 64-bit arithmetic on pairs of 32-bit halves, without BigInt, so hashing allocates
// nothing. Functions that return a 64-bit value store it in `result` and return nothing.

/** Output of the last 64-bit operation. Read both halves before the next operation. */
export const result = { hi: 0, lo: 0 };

/**
 * Returns the high 32 bits of the exact 64-bit product of two unsigned 32-bit integers. The four
 * 16-bit partial products stay below 2^32, so every step is exact in a double.
 */
function multiplyHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;

  const low = a0 * b0;
  const middle1 = a1 * b0;
  const middle2 = a0 * b1;
  const high = a1 * b1;

  // Carry out of bit 31: the upper half of `low` plus the lower halves of both middle terms.
  const carry = ((low >>> 16) + (middle1 & 0xffff) + (middle2 & 0xffff)) >>> 16;
  return (high + (middle1 >>> 16) + (middle2 >>> 16) + carry) >>> 0;
}

/** Stores `(aHi:aLo * bHi:bLo) mod 2^64` in {@link result}. */
export function multiply64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  // Only the low 32 bits of the cross terms reach the result, and Math.imul returns exactly those.
  const hi = multiplyHigh32(aLo, bLo) + Math.imul(aHi, bLo) + Math.imul(aLo, bHi);
  result.hi = hi >>> 0;
  result.lo = Math.imul(aLo, bLo) >>> 0;
}
