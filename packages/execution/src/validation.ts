/** Largest delay Node's timers accept, in milliseconds (2^31 - 1). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** Returns `value` when it is a non-empty string; otherwise throws a TypeError naming `option`. */
export function validateName(value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`Invalid ${option}: ${describe(value)}. Expected a non-empty string.`);
  }

  return value;
}

/**
 * Returns `value` when it is an integer of at least `min`, or `Infinity`.
 *
 * @throws TypeError when `value` is not a number.
 * @throws RangeError when it is below `min`, fractional or NaN.
 */
export function validateLimit(value: unknown, option: string, min: number): number {
  if (typeof value !== 'number') {
    throw new TypeError(`Invalid ${option}: ${describe(value)}. Expected an integer of at least ${min}, or Infinity.`);
  }

  if (value !== Infinity && (!Number.isInteger(value) || value < min)) {
    throw new RangeError(`Invalid ${option}: ${describe(value)}. Expected an integer of at least ${min}, or Infinity.`);
  }

  return value;
}

/**
 * Returns `value` when it is a number of milliseconds a timer can wait: greater than 0 and at
 * most 2^31 - 1 (Node's timer limit), or `Infinity` when `allowInfinity` is set.
 *
 * @throws TypeError when `value` is not a number.
 * @throws RangeError when it is out of range.
 */
export function validateDuration(value: unknown, option: string, allowInfinity: boolean): number {
  const expected = `Expected milliseconds greater than 0 and at most ${MAX_TIMER_DELAY_MS}${allowInfinity ? ', or Infinity' : ''}.`;

  if (typeof value !== 'number') {
    throw new TypeError(`Invalid ${option}: ${describe(value)}. ${expected}`);
  }

  if (value === Infinity && allowInfinity) {
    return value;
  }

  if (!(value > 0 && value <= MAX_TIMER_DELAY_MS)) {
    throw new RangeError(`Invalid ${option}: ${describe(value)}. ${expected}`);
  }

  return value;
}

/** Returns `value` when it is a boolean; otherwise throws a TypeError naming `option`. */
export function validateBoolean(value: unknown, option: string): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`Invalid ${option}: ${describe(value)}. Expected true or false.`);
  }

  return value;
}

/** Returns true when `value` looks like an `AbortSignal` (works across realms). */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function' &&
    typeof (value as AbortSignal).removeEventListener === 'function'
  );
}

/**
 * Throws a TypeError naming `argument` unless `value` is undefined or an `AbortSignal`.
 */
export function validateSignal(value: unknown, argument: string): AbortSignal | undefined {
  if (value !== undefined && !isAbortSignal(value)) {
    throw new TypeError(`Invalid ${argument}: ${describe(value)}. Expected an AbortSignal or undefined.`);
  }

  return value;
}

/** Formats `value` for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }

  if (typeof value === 'function') {
    return `function ${value.name || '(anonymous)'}`;
  }

  if (typeof value === 'object' && value !== null) {
    return Array.isArray(value) ? 'an array' : `an object (${value.constructor?.name ?? 'null prototype'})`;
  }

  return String(value);
}
