import { describeArgument } from '@whizbang/observability';

/**
 * Throws unless `streamKey` is a non-empty string.
 *
 * @throws TypeError naming `streamKey` and the received value.
 */
export function validateStreamKey(streamKey: unknown): asserts streamKey is string {
  if (typeof streamKey !== 'string' || streamKey.length === 0) {
    throw new TypeError(
      `streamKey must be a non-empty string; received ${describeArgument(streamKey)}. ` +
        'Pass a stable id of the stream, such as the aggregate id.',
    );
  }
}

/**
 * Throws unless `newValue` is an integer from 0 to `Number.MAX_SAFE_INTEGER`.
 *
 * @throws TypeError when `newValue` is not a number.
 * @throws RangeError when it is negative, fractional, not finite or above `Number.MAX_SAFE_INTEGER`.
 */
export function validateResetValue(newValue: unknown): asserts newValue is number {
  if (typeof newValue !== 'number') {
    throw new TypeError(`newValue must be a number; received ${describeArgument(newValue)}. Pass the last number to treat as handed out, such as 0.`);
  }

  if (!Number.isSafeInteger(newValue) || newValue < 0) {
    throw new RangeError(
      `newValue must be an integer from 0 to Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER}); ` +
        `received ${describeArgument(newValue)}.`,
    );
  }
}

/**
 * Throws unless `signal` is undefined or looks like an `AbortSignal` (has a boolean `aborted`),
 * so a wrong argument fails with a clear message rather than deep inside a call.
 *
 * @throws TypeError naming `signal`.
 */
export function validateSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal === undefined) return;

  if (typeof signal !== 'object' || signal === null || typeof (signal as { aborted?: unknown }).aborted !== 'boolean') {
    throw new TypeError(`signal must be an AbortSignal or undefined; received ${describeArgument(signal)}.`);
  }
}
