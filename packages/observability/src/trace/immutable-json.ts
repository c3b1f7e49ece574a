import { toFrozenJsonValue, type JsonValue } from './json-value.js';

// Policy decisions repeat the same frozen configuration objects message after message, so a
// trace can share one frozen JSON form of each instead of copying it every time. Sharing is
// safe only for values that can never change, which `inspect` decides once per object.

/** Result of {@link inspect} for a frozen value. */
const enum Shape {
  /** Deep-frozen plain JSON: a trace can reference the value itself. */
  Json,

  /** Cannot change, but JSON writes it differently (a function, -0, an undefined field): convert once. */
  Convertible,

  /** Can still change (a getter, an object that is not frozen, a class instance): copy every time. */
  Changeable,
}

// Nesting depth beyond which a value counts as changeable, which also ends the walk of a cycle.
const MAX_DEPTH = 64;

const sharedForms = new WeakMap<object, JsonValue>();
const changeable = new WeakSet<object>();

// Frozen values copied recently. Inspecting a value costs several copies of it, which pays off
// only for values that repeat (a policy's summary, recorded for every message it does not
// match), not for one made per message. So a value is inspected on its second sighting, when
// it is still among the last RECENT_SLOTS frozen values copied.
const RECENT_SLOTS = 16;
const recentlyCopied: (object | undefined)[] = new Array<object | undefined>(RECENT_SLOTS).fill(undefined);
let nextRecentSlot = 0;

/**
 * Returns a deep-frozen {@link JsonValue} of `value`, with the conversions of `toJsonValue`.
 * A value that is seen again and can never change (frozen all the way down, data properties
 * only, plain objects and arrays) is converted once more, and every later call shares that JSON
 * form. A deep-frozen value that already is plain JSON is returned itself. Any other value is
 * copied on each call.
 *
 * @param argument - name of the value in error messages.
 * @throws TypeError as `toJsonValue` does (a circular reference).
 *
 * @internal
 */
export function immutableJsonOf(value: unknown, argument: string): JsonValue {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value) || changeable.has(value)) {
    return toFrozenJsonValue(value, argument);
  }

  const shared = sharedForms.get(value);
  if (shared !== undefined) return shared;

  if (!recentlyCopied.includes(value)) {
    recentlyCopied[nextRecentSlot] = value;
    nextRecentSlot = (nextRecentSlot + 1) % RECENT_SLOTS;
    return toFrozenJsonValue(value, argument);
  }

  const shape = inspect(value, 0);
  if (shape === Shape.Changeable) {
    changeable.add(value);
    return toFrozenJsonValue(value, argument);
  }

  const form = shape === Shape.Json ? (value as JsonValue) : toFrozenJsonValue(value, argument);
  sharedForms.set(value, form);
  return form;
}

function inspect(value: object, depth: number): Shape {
  if (depth >= MAX_DEPTH || !Object.isFrozen(value)) return Shape.Changeable;

  const isArray = Array.isArray(value);
  if (!isArray) {
    // toJsonValue sends class instances through JSON.stringify, which calls their toJSON.
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return Shape.Changeable;
  }

  let shape = Shape.Json;
  const descriptors = Object.getOwnPropertyDescriptors(value);
  for (const key of Object.keys(descriptors)) {
    const descriptor = descriptors[key] as PropertyDescriptor;

    // JSON reads enumerable keys only; an array's length is not one.
    if (descriptor.enumerable !== true) continue;
    if (!('value' in descriptor)) return Shape.Changeable;

    // A "__proto__" key needs the JSON text round trip of toJsonValue to stay a plain key.
    if (key === '__proto__') shape = Shape.Convertible;

    const item = inspectItem(descriptor.value, depth);
    if (item === Shape.Changeable) return Shape.Changeable;
    if (item === Shape.Convertible) shape = Shape.Convertible;
  }

  // A hole in an array is written as null, so the array itself is not plain JSON.
  if (isArray && Object.keys(descriptors).length - 1 !== value.length) shape = Shape.Convertible;
  return shape;
}

function inspectItem(item: unknown, depth: number): Shape {
  switch (typeof item) {
    case 'string':
    case 'boolean':
      return Shape.Json;

    case 'number':
      return Number.isFinite(item) && !Object.is(item, -0) ? Shape.Json : Shape.Convertible;

    case 'object':
      return item === null ? Shape.Json : inspect(item, depth + 1);

    // A function is written as its name, which in practice never changes after the function is
    // defined. Symbols, bigints and undefined cannot change either, and JSON writes them differently.
    default:
      return Shape.Convertible;
  }
}
