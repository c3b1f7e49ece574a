import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { MessageTrace } from '../../src/trace/message-trace.js';
import { prepareMessageTrace } from '../../src/trace/prepare-message-trace.js';
import { snapshotMessageTrace } from '../../src/trace/snapshot-message-trace.js';
import { hopRecord, START, traceRecord } from './trace-fixtures.js';

type Path = readonly (string | number)[];
type Outcome = { ok: true; value: MessageTrace } | { ok: false; error: Error };

function attempt(run: () => MessageTrace): Outcome {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

/** Lists the path of every field, array item and nested value of `value`, the root excluded. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];

  const paths: Path[] = [];
  for (const [key, item] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    paths.push(path, ...pathsOf(item, path));
  }
  return paths;
}

/** Returns a deep copy of `trace` with `value` written at `path`, or the field deleted. */
function mutate(trace: MessageTrace, path: Path, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(trace) as unknown as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;

  const last = path[path.length - 1] as string | number;
  if (remove) delete parent[last];
  else parent[last] = value;
  return copy;
}

const base = traceRecord({
  causationId: traceRecord().messageId as string as MessageTrace['causationId'],
  payload: { orderId: 'order-42', lines: [{ sku: 'a', quantity: 2 }], note: null },
  hops: [hopRecord(0, START), hopRecord(1, START + 1)],
  outcome: { status: 'failed', errorName: 'TypeError', errorMessage: 'bad' },
});
const paths = [...pathsOf(base), ['extra'], ['hops', 0, 'extra'], ['payload', 'extra'], ['outcome', 'extra']];

// Values on the edges of the rules, each tried at every path, next to what fc.anything() builds.
const edgeValues: readonly unknown[] = [
  undefined,
  null,
  Number.NaN,
  Infinity,
  -0,
  0,
  1,
  1.5,
  -1,
  2 ** 53,
  '\uD800',
  base.messageId.toUpperCase(),
  '9b2c6c3e-6f0e-4c7a-9a57-3f1f8e0c2d11',
  [1, undefined],
  new Date(0),
  10n,
  { status: 'succeeded', errorName: 'TypeError' },
];

/** Checks that prepareMessageTrace accepts or rejects the mutated trace as the snapshot does. */
function expectSameOutcome(path: Path, value: unknown, remove: boolean): void {
  const candidate = mutate(base, path, value, remove);
  const label = `${path.join('.')} = ${remove ? '(deleted)' : fc.stringify(value)}`;

  const expected = attempt(() => snapshotMessageTrace(candidate, 'trace'));
  const actual = attempt(() => prepareMessageTrace(candidate, 'trace'));

  expect(actual.ok, label).toBe(expected.ok);
  if (!expected.ok && !actual.ok) {
    expect(actual.error.constructor, label).toBe(expected.error.constructor);
    expect(actual.error.message, label).toBe(expected.error.message);
  }
  if (expected.ok && actual.ok) {
    expect(JSON.parse(JSON.stringify(actual.value)), label).toEqual(JSON.parse(JSON.stringify(expected.value)));
  }
}

describe('prepareMessageTrace', () => {
  it('returns a plain valid trace itself', () => {
    expect(prepareMessageTrace(base, 'trace')).toBe(base);
  });

  it('copies a trace with upper-case ids', () => {
    const upper = { ...base, messageId: base.messageId.toUpperCase() as MessageTrace['messageId'] };

    const prepared = prepareMessageTrace(upper, 'trace');

    expect(prepared).not.toBe(upper);
    expect(prepared.messageId).toBe(base.messageId);
    expect(Object.isFrozen(prepared)).toBe(true);
  });

  it('serializes an undefined field as the snapshot does', () => {
    const trace = { ...base, payload: undefined };

    const prepared = prepareMessageTrace(trace, 'trace');

    expect(JSON.stringify(prepared)).not.toContain('"payload"');
    expect(JSON.parse(JSON.stringify(prepared))).toEqual(JSON.parse(JSON.stringify(snapshotMessageTrace(trace, 'trace'))));
  });

  it('matches the snapshot on edge values', () => {
    for (const path of paths) {
      expectSameOutcome(path, undefined, true);
      for (const value of edgeValues) expectSameOutcome(path, value, false);
    }
  });

  it('matches the snapshot on any value', () => {
    const anything = fc.anything({ withBoxedValues: true, withNullPrototype: true, withSparseArray: true, withObjectString: true });
    fc.assert(
      fc.property(fc.constantFrom(...paths), anything, (path, value) => expectSameOutcome(path, value, false)),
      { numRuns: 2_000 },
    );
  });
});
