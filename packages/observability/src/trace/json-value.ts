/**
 * A value that JSON text can represent exactly: what a trace contains, so a trace read back from
 * `JSON.parse` deep-equals the trace that was stored.
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Converts any value to a {@link JsonValue} copy with the rules of `JSON.stringify`, plus readable
 * text for the values JSON drops or rejects: a function becomes `"[Function name]"`, a symbol
 * `"Symbol(description)"` and a bigint its decimal digits. A top-level `undefined` becomes `null`.
 *
 * Policy configurations often contain functions (stream-key selectors) and class instances
 * (routers), so a trace keeps a readable name for them instead of losing the key.
 *
 * @param argument - name of the value in error messages, such as `"options.payload"`.
 * @throws TypeError when the value contains a circular reference.
 *
 * @example
 * ```ts
 * toJsonValue({ streamKey: function byOrder() {} }, 'configuration');
 * // { streamKey: '[Function byOrder]' }
 * ```
 */
export function toJsonValue(value: unknown, argument: string): JsonValue {
  return convertToJson(value, argument, false);
}

/**
 * {@link toJsonValue}, with every object and array of the copy frozen, for a trace that is
 * immutable from the start.
 *
 * @internal
 */
export function toFrozenJsonValue(value: unknown, argument: string): JsonValue {
  return convertToJson(value, argument, true);
}

function convertToJson(value: unknown, argument: string, freeze: boolean): JsonValue {
  // Most values (policy summaries, small payloads) are plain data, which a direct copy handles
  // several times faster than a JSON text round trip; anything else takes the round trip.
  const copy = copyPlainData(value, 0, freeze);
  if (copy !== NOT_PLAIN_DATA) return copy;

  let text: string | undefined;
  try {
    text = JSON.stringify(value, replaceNonJsonValue);
  } catch (error) {
    throw new TypeError(
      `Invalid ${argument}: it cannot be converted to JSON (${errorMessageOf(error)}). ` +
        'Remove circular references or pass a function that returns a plain copy.',
      { cause: error },
    );
  }

  // JSON.stringify returns undefined for a top-level undefined, function or symbol (the replacer
  // has already turned the latter two into text), so only undefined reaches this branch.
  if (text === undefined) return null;
  return freeze ? (JSON.parse(text, freezeParsedValue) as JsonValue) : (JSON.parse(text) as JsonValue);
}

// JSON.parse calls a reviver for each value after its children, so freezing there freezes the whole tree.
function freezeParsedValue(_key: string, value: unknown): unknown {
  return typeof value === 'object' && value !== null ? Object.freeze(value) : value;
}

/** Returned by {@link copyPlainData} for a value that needs the JSON text round trip. */
const NOT_PLAIN_DATA = Symbol('not plain data');

/** Nesting depth beyond which the round trip takes over, which also stops at cycles. */
const MAX_PLAIN_DEPTH = 64;

/**
 * Copies `value` when it is plain data that a JSON round trip would return unchanged (apart
 * from -0, which becomes 0): strings, booleans, null, finite numbers, arrays without holes or
 * `undefined`, and objects whose prototype is `Object.prototype` or null with such values.
 * Returns {@link NOT_PLAIN_DATA} for anything else (functions, `undefined`, non-finite numbers,
 * class instances, `toJSON` methods, a `__proto__` key, cycles), and when a getter throws.
 */
function copyPlainData(value: unknown, depth: number, freeze: boolean): JsonValue | typeof NOT_PLAIN_DATA {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) return NOT_PLAIN_DATA;
      return value === 0 ? 0 : value;
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_PLAIN_DEPTH) return NOT_PLAIN_DATA;
      try {
        return Array.isArray(value) ? copyPlainArray(value, depth, freeze) : copyPlainObject(value, depth, freeze);
      } catch {
        return NOT_PLAIN_DATA;
      }
    default:
      return NOT_PLAIN_DATA;
  }
}

function copyPlainArray(value: readonly unknown[], depth: number, freeze: boolean): JsonValue | typeof NOT_PLAIN_DATA {
  const copy: JsonValue[] = new Array<JsonValue>(value.length);
  for (let index = 0; index < value.length; index++) {
    const item = copyPlainData(value[index], depth + 1, freeze);
    if (item === NOT_PLAIN_DATA) return NOT_PLAIN_DATA;
    copy[index] = item;
  }
  return freeze ? Object.freeze(copy) : copy;
}

function copyPlainObject(value: object, depth: number, freeze: boolean): JsonValue | typeof NOT_PLAIN_DATA {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN_DATA;

  const copy: Record<string, JsonValue> = {};
  for (const key of Object.keys(value)) {
    // Assigning "__proto__" would set the copy's prototype instead of adding the key.
    if (key === '__proto__') return NOT_PLAIN_DATA;
    const item = copyPlainData((value as Record<string, unknown>)[key], depth + 1, freeze);
    if (item === NOT_PLAIN_DATA) return NOT_PLAIN_DATA;
    copy[key] = item;
  }
  return freeze ? Object.freeze(copy) : copy;
}

function replaceNonJsonValue(_key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'function':
      return `[Function ${value.name === '' ? 'anonymous' : value.name}]`;
    case 'symbol':
      return value.toString();
    case 'bigint':
      return value.toString();
    default:
      return value;
  }
}

function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
