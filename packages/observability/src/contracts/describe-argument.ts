// Maximum length of a string shown in an error message: a 1 MB key must not end up in a log line.
const MAX_SHOWN_LENGTH = 60;

/**
 * Describes a received argument for an error message: a string quoted, cut to 60 characters and
 * followed by its length, a number, bigint, boolean or symbol by value and type, and a function,
 * array or object by its kind.
 *
 * @example
 * ```ts
 * describeArgument('order-42'); // '"order-42" (string of length 8)'
 * describeArgument(4); // '4 (number)'
 * ```
 */
export function describeArgument(value: unknown): string {
  if (typeof value === 'string') {
    const excerpt = value.length > MAX_SHOWN_LENGTH ? `${value.slice(0, MAX_SHOWN_LENGTH)}...` : value;
    return `${JSON.stringify(excerpt)} (string of length ${value.length})`;
  }

  if (typeof value === 'number') return `${String(value)} (number)`;
  if (typeof value === 'bigint') return `${String(value)}n (bigint)`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'symbol' || typeof value === 'boolean') return `${String(value)} (${typeof value})`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}
