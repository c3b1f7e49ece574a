/**
 * Formats a received value for an error message: a string as JSON text (in full), a bigint with
 * its `n` suffix, a function, array or object by its kind, and any other value as `String(value)`.
 *
 * @example
 * ```ts
 * throw new TypeError(`streamKey must be a non-empty string, received ${describeReceivedValue(key)}.`);
 * // streamKey must be a non-empty string, received null.
 * ```
 */
export function describeReceivedValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? 'an array' : 'an object';
    default:
      return String(value);
  }
}
