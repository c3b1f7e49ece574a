// Maximum length of a string shown in an error message. Longer values are cut and end in "…".
const MAX_SHOWN_LENGTH = 60;

/**
 * Describes a rejected value for an error message: strings quoted and cut to 60 characters,
 * other values by type and, for primitives, by value. Never throws.
 *
 * @internal
 */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string': {
        const shown = value.length > MAX_SHOWN_LENGTH ? `${value.slice(0, MAX_SHOWN_LENGTH)}…` : value;
        return JSON.stringify(shown);
      }
      case 'undefined':
        return 'undefined';
      case 'number':
      case 'boolean':
        return `${typeof value} ${String(value)}`;
      case 'bigint':
        return `bigint ${String(value)}n`;
      case 'symbol':
        return `symbol ${String(value.description)}`;
      case 'function':
        return `function ${value.name === '' ? '(anonymous)' : value.name}`;
      default:
        if (value === null) return 'null';
        if (Array.isArray(value)) return `array of length ${value.length}`;
        return 'object';
    }
  } catch {
    return 'a value that cannot be described';
  }
}
