import { describeArgument } from '@whizbang/observability';

/**
 * Throws unless `streamKey` is a string and `partitionCount` a positive safe integer. Every
 * router calls it first, so all of them reject bad input with the same errors.
 *
 * @throws TypeError when `streamKey` is not a string (the empty string is a valid key).
 * @throws RangeError when `partitionCount` is not an integer in `[1, Number.MAX_SAFE_INTEGER]`.
 */
export function validatePartitionArguments(streamKey: unknown, partitionCount: unknown): void {
  if (typeof streamKey !== 'string') {
    throw new TypeError(
      `streamKey must be a string; received ${describeArgument(streamKey)}. ` +
        'Convert the key with String(key) before routing it.',
    );
  }

  if (!Number.isSafeInteger(partitionCount) || (partitionCount as number) < 1) {
    throw new RangeError(
      `partitionCount must be a positive integer no greater than Number.MAX_SAFE_INTEGER; ` +
        `received ${describeArgument(partitionCount)}. Pass the number of partitions, for example 4.`,
    );
  }
}
