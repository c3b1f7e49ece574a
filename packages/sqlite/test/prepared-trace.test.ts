import { snapshotMessageTrace, type MessageTrace } from '@whizbang/observability';
import { createTraceFixtures } from '@whizbang/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SqliteTraceStore } from '../src/index.js';
import { prepareTrace } from '../src/trace/prepared-trace.js';

// prepareTrace validates with prepareMessageTrace from @whizbang/observability, which checks
// plain traces in place and sends everything else through snapshotMessageTrace. These tests
// check that the store accepts and rejects exactly what snapshotMessageTrace does, and that it
// returns what the snapshot contains.

class OrderLine {
  constructor(readonly sku: string) {}
}

const DELETE = Symbol('delete the field');

/** Values written into a valid trace, built fresh per run because some are mutable or cyclic. */
const replacementValues: Record<string, () => unknown> = {
  delete: () => DELETE,
  undefined: () => undefined,
  null: () => null,
  NaN: () => Number.NaN,
  Infinity: () => Infinity,
  'minus zero': () => -0,
  zero: () => 0,
  one: () => 1,
  fraction: () => 1.5,
  negative: () => -1,
  unsafe: () => 2 ** 53,
  text: () => 'text',
  'lone surrogate': () => '\uD800',
  'upper-case id': () => '01890A5D-AC96-774B-BCCE-B302099A8057',
  'lower-case id': () => '01890a5d-ac96-774b-bcce-b302099a8057',
  'non-v7 id': () => '9b2c6c3e-6f0e-4c7a-9a57-3f1f8e0c2d11',
  true: () => true,
  'empty object': () => ({}),
  'empty array': () => [],
  'array with undefined': () => [1, undefined],
  'sparse array': () => [1, , 3], // eslint-disable-line no-sparse-arrays
  date: () => new Date(0),
  function: () => () => 1,
  symbol: () => Symbol('s'),
  bigint: () => 10n,
  'class instance': () => new OrderLine('sku-1'),
  'null prototype': () => Object.assign(Object.create(null) as object, { a: 1 }),
  'object with toJSON': () => ({ toJSON: () => 'replaced' }),
  'object with undefined': () => ({ kept: 1, dropped: undefined }),
  'proto key': () => JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  cycle: () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    return cyclic;
  },
  deep: () => {
    let value: unknown = 'bottom';
    for (let depth = 0; depth < 100; depth++) value = { next: value };
    return value;
  },
  outcome: () => ({ status: 'failed', errorName: 'TypeError', errorMessage: 'bad' }),
  'succeeded with error': () => ({ status: 'succeeded', errorName: 'TypeError' }),
  'unknown status': () => ({ status: 'exploded' }),
};

const paths: readonly (readonly (string | number)[])[] = [
  ['schemaVersion'],
  ['messageId'],
  ['correlationId'],
  ['causationId'],
  ['messageType'],
  ['timestamp'],
  ['topic'],
  ['streamKey'],
  ['partitionIndex'],
  ['sequenceNumber'],
  ['payload'],
  ['payload', 'orderId'],
  ['payload', 'lines', 0],
  ['payload', 'lines', 0, 'quantity'],
  ['payload', 'extra'],
  ['hops'],
  ['hops', 0],
  ['hops', 0, 'sequence'],
  ['hops', 0, 'serviceName'],
  ['hops', 0, 'timestamp'],
  ['hops', 0, 'durationMs'],
  ['hops', 0, 'partitionIndex'],
  ['hops', 0, 'caller'],
  ['hops', 0, 'caller', 'line'],
  ['hops', 0, 'caller', 'origin'],
  ['hops', 0, 'caller', 'functionName'],
  ['hops', 0, 'extra'],
  ['hops', 1, 'sequence'],
  ['decisions'],
  ['decisions', 0, 'matched'],
  ['decisions', 0, 'configuration'],
  ['decisions', 0, 'configuration', 'partitions'],
  ['decisions', 1, 'reason'],
  ['decisions', 0, 'extra'],
  ['outcome'],
  ['outcome', 'status'],
  ['outcome', 'errorName'],
  ['outcome', 'extra'],
  ['traceparent'],
  ['extra'],
];

/** Returns a deep copy of `trace` with `value` written at `path` (or the field deleted). */
function mutate(trace: MessageTrace, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(trace) as unknown as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = parent[key];
    if (typeof next !== 'object' || next === null) return copy;
    parent = next as Record<string | number, unknown>;
  }

  const last = path[path.length - 1] as string | number;
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
  return copy;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function attempt<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error };
  }
}

let store: SqliteTraceStore;

beforeAll(() => {
  store = new SqliteTraceStore();
});

afterAll(async () => {
  await store.close();
});

describe('prepareTrace', () => {
  it('accepts and rejects as the snapshot does', async () => {
    const fixtures = createTraceFixtures();
    const root = fixtures.root({ hopsAt: [0, 1] });
    const failed = fixtures.child(root, { outcome: { status: 'failed', errorName: 'Error', errorMessage: 'x' } });
    const bare = fixtures.root({ routed: false, withPayload: false });

    // The table is small enough to check every combination.
    for (const base of [root, failed, bare]) {
      for (const path of paths) {
        for (const [valueName, makeValue] of Object.entries(replacementValues)) {
          const label = `${path.join('.')} = ${valueName}`;
          const candidate = mutate(base, path, makeValue());
          const expected = attempt(() => snapshotMessageTrace(candidate, 'trace'));
          const actual = attempt(() => prepareTrace(candidate));

          if (!expected.ok) {
            expect(actual.ok, label).toBe(false);
            const error = (actual as { error: Error }).error;
            expect(error.constructor, label).toBe((expected.error as Error).constructor);
            expect(error.message, label).toBe((expected.error as Error).message);
            continue;
          }

          expect(actual.ok, label).toBe(true);
          await store.store(candidate as MessageTrace);
          const read = await store.getByMessageId(expected.value.messageId);
          expect(read, label).toEqual(JSON.parse(JSON.stringify(expected.value)));
        }
      }
    }
  });

  it('ignores changes after store', async () => {
    const fixtures = createTraceFixtures();
    const trace = structuredClone(fixtures.root()) as { -readonly [K in keyof MessageTrace]: MessageTrace[K] };
    const expected = JSON.parse(JSON.stringify(trace)) as MessageTrace;

    const storing = store.store(trace);
    trace.messageType = 'Changed';
    (trace.hops[0] as { serviceName: string }).serviceName = 'changed';
    (trace.payload as { orderId: string }).orderId = 'changed';
    await storing;

    expect(await store.getByMessageId(trace.messageId)).toEqual(expected);
  });
});
