import { isDeepStrictEqual } from 'node:util';

import {
  compareTracesByTime,
  TRACE_OUTCOME_STATUSES,
  type CorrelationId,
  type MessageId,
  type MessageTrace,
  type TraceOutcome,
  type TraceStore,
} from '@whizbang/observability';
import fc from 'fast-check';
import { describe, it } from 'vitest';

import { assertProperty, check, checkError, describeError, passed, settle, show, type CheckOutcome } from './contract-check.js';
import { createTraceFixtures, type TraceFixtures } from './trace-store-fixtures.js';

/**
 * Creates an empty trace store for one check. May be async, for stores that connect to a
 * database. A store that keeps traces from earlier checks still passes, because every check
 * uses new ids and its own random time window.
 */
export type TraceStoreFactory = () => TraceStore | Promise<TraceStore>;

/** Options of {@link describeTraceStoreContract} and of every trace store check. */
export interface TraceStoreContractOptions {
  /** fast-check runs of the causal-order property. Default 25; each run stores up to 30 traces. */
  readonly propertyRuns?: number;

  /** Traces stored at the same time by the concurrency check. Default 100. */
  readonly concurrentStores?: number;

  /** Called with each store a check created, after the check ends (close connections here). */
  readonly cleanup?: (store: TraceStore) => void | Promise<void>;

  /** Vitest timeout of each check in milliseconds. Default 60,000. */
  readonly testTimeoutMs?: number;
}

/** One named check of the trace store contract. */
export interface TraceStoreCheck {
  /** Test name: what a conforming store does. */
  readonly name: string;

  /** Runs the check; throws an `AssertionError` on the first violation. */
  run(factory: TraceStoreFactory, options?: TraceStoreContractOptions): Promise<CheckOutcome>;
}

/** Creates a store and fixtures, runs `body` with them and always runs the cleanup hook. */
async function withStore(
  factory: TraceStoreFactory,
  options: TraceStoreContractOptions,
  body: (store: TraceStore, fixtures: TraceFixtures) => Promise<void>,
): Promise<CheckOutcome> {
  const store = await factory();
  try {
    await body(store, createTraceFixtures());
    return passed;
  } finally {
    await options.cleanup?.(store);
  }
}

/** Awaits the call and fails with a message naming `call` when it rejects or throws. */
async function expectValue<T>(run: () => Promise<T>, call: string): Promise<T> {
  const outcome = await settle(run, call);
  if (!outcome.ok) check(false, `${call} rejected with ${describeError(outcome.error)}`);
  return outcome.value;
}

async function storeAll(store: TraceStore, traces: readonly MessageTrace[]): Promise<void> {
  for (const trace of traces) {
    await expectValue(() => store.store(trace), `store(trace ${trace.messageId})`);
  }
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Returns where `actual` first differs from `expected`, or undefined when they are deep-equal. */
function firstDifference(actual: unknown, expected: unknown, path: string): string | undefined {
  if (isDeepStrictEqual(actual, expected)) return undefined;

  const bothObjects = typeof actual === 'object' && actual !== null && typeof expected === 'object' && expected !== null;
  if (!bothObjects || Array.isArray(actual) !== Array.isArray(expected)) {
    return `${path} is ${show(actual)}; expected ${show(expected)}`;
  }

  const actualFields = actual as Record<string, unknown>;
  const expectedFields = expected as Record<string, unknown>;
  for (const key of new Set([...Object.keys(expectedFields), ...Object.keys(actualFields)])) {
    const keyPath = Array.isArray(expected) ? `${path}[${key}]` : `${path}.${key}`;
    if (!(key in actualFields)) return `${keyPath} is missing; expected ${show(expectedFields[key])}`;
    if (!(key in expectedFields)) return `${keyPath} is ${show(actualFields[key])}; expected no such field`;

    const difference = firstDifference(actualFields[key], expectedFields[key], keyPath);
    if (difference !== undefined) return difference;
  }
  return `${path} differs from the expected value in its prototype or property attributes`;
}

/** Fails unless `actual` deep-equals `expected` after a JSON round trip. */
function checkTraceEquals(actual: unknown, expected: MessageTrace, call: string): void {
  check(actual !== undefined, `${call} returned undefined; expected the trace of ${expected.messageId}`);

  const difference = firstDifference(actual, jsonCopy(expected), 'trace');
  check(difference === undefined, `${call} returned a different trace: ${difference}`);
}

/** Names traces by label in failure messages, since ids are opaque. */
type Labels = ReadonlyMap<string, string>;

function labelsOf(named: Record<string, MessageTrace>): Labels {
  return new Map(Object.entries(named).map(([label, trace]) => [trace.messageId as string, label]));
}

function describeList(traces: readonly MessageTrace[], labels: Labels): string {
  return `[${traces.map((trace) => labels.get(trace.messageId) ?? `unexpected ${trace.messageId}`).join(', ')}]`;
}

/** Fails unless `actual` is an array of the `expected` traces (compared by id) in the same order. */
function checkTraceList(actual: unknown, expected: readonly MessageTrace[], call: string, labels: Labels): void {
  check(Array.isArray(actual), `${call} returned ${show(actual)}; expected an array of traces`);

  const traces = actual as MessageTrace[];
  const actualIds = traces.map((trace) => trace?.messageId);
  const expectedIds = expected.map((trace) => trace.messageId);
  check(
    isDeepStrictEqual(actualIds, expectedIds),
    `${call} returned ${describeList(traces, labels)}; expected ${describeList(expected, labels)}`,
  );

  for (const [index, trace] of traces.entries()) {
    checkTraceEquals(trace, expected[index]!, `${call} at index ${index}`);
  }
}

function sortedByTime(traces: readonly MessageTrace[]): MessageTrace[] {
  return traces.slice().sort(compareTracesByTime);
}

/**
 * Checks that `getByMessageId` returns each stored trace deep-equal to its JSON round trip. The
 * first trace is routed, with a payload, policy decisions, a failed outcome and hops whose clock
 * stepped back and that share one millisecond. The second is unrouted and full of nulls.
 */
export async function checkTraceStoreRoundTrip(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const routed = fixtures.root({
      hopsAt: [0, -2000, -2000, -2000, 1],
      outcome: { status: 'failed', errorName: 'TypeError', errorMessage: 'total is missing' },
    });
    const unrouted = fixtures.child(routed, { at: 3, hopsAt: [], routed: false, withPayload: false });
    await storeAll(store, [routed, unrouted]);

    for (const [label, trace] of [['routed', routed], ['unrouted', unrouted]] as const) {
      const call = `getByMessageId(${label} trace)`;
      checkTraceEquals(await expectValue(() => store.getByMessageId(trace.messageId), call), trace, call);
    }
  });
}

/**
 * Checks that changing the object passed to `store` afterwards does not change what the store
 * returns: a store must keep a copy, not the caller's object.
 */
export async function checkTraceStoreKeepsCopy(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const trace = fixtures.root({ hopsAt: [0, 1] });
    const input = jsonCopy(trace) as unknown as {
      outcome: { status: string };
      hops: { timestamp: number }[];
      decisions: unknown[];
    };

    await expectValue(() => store.store(input as unknown as MessageTrace), 'store(trace)');
    input.outcome.status = 'failed';
    input.hops[0]!.timestamp = 0;
    input.decisions.length = 0;

    const call = 'getByMessageId after the input object was changed';
    checkTraceEquals(await expectValue(() => store.getByMessageId(trace.messageId), call), trace, call);
  });
}

/**
 * Checks that ids nothing was stored under give `undefined` from `getByMessageId` and empty
 * arrays from `getByCorrelation`, `getCausalChain` and `getPolicyTrail`.
 */
export async function checkTraceStoreUnknownIds(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    await storeAll(store, [fixtures.root()]);
    const unknown = fixtures.root();

    const byId = await expectValue(() => store.getByMessageId(unknown.messageId), 'getByMessageId(unknown id)');
    check(byId === undefined, `getByMessageId(unknown id) returned ${show(byId)}; expected undefined`);

    const lists: [string, () => Promise<unknown>][] = [
      ['getByCorrelation(unknown id)', () => store.getByCorrelation(unknown.correlationId)],
      ['getCausalChain(unknown id)', () => store.getCausalChain(unknown.messageId)],
      ['getPolicyTrail(unknown id)', () => store.getPolicyTrail(unknown.messageId)],
    ];
    for (const [call, run] of lists) {
      const result = await expectValue(run, call);
      check(Array.isArray(result) && result.length === 0, `${call} returned ${show(result)}; expected an empty array`);
    }
  });
}

/**
 * Checks that storing a trace under a message id that is already stored replaces the earlier
 * trace in every query, including when the new trace moved to another workflow, parent and time.
 */
export async function checkTraceStoreReplacesSameId(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const firstParent = fixtures.root({ at: 0 });
    const secondParent = fixtures.root({ at: 1 });
    const first = fixtures.child(firstParent, { at: 10, outcome: { status: 'timed-out', errorName: 'TimeoutError', errorMessage: 'after 5000 ms' } });
    const replacement: MessageTrace = { ...fixtures.child(secondParent, { at: 20 }), messageId: first.messageId };
    const labels = labelsOf({ firstParent, secondParent, replacement });
    await storeAll(store, [firstParent, secondParent, first, replacement]);

    const call = 'getByMessageId after storing the id again';
    checkTraceEquals(await expectValue(() => store.getByMessageId(first.messageId), call), replacement, call);

    const at = (offset: number): number => fixtures.baseTime + offset;
    const queries: [string, () => Promise<unknown>, MessageTrace[]][] = [
      ['getByCorrelation(first workflow)', () => store.getByCorrelation(firstParent.correlationId), [firstParent]],
      ['getByCorrelation(second workflow)', () => store.getByCorrelation(secondParent.correlationId), [secondParent, replacement]],
      ['getCausalChain(first parent)', () => store.getCausalChain(firstParent.messageId), [firstParent]],
      ['getCausalChain(second parent)', () => store.getCausalChain(secondParent.messageId), [secondParent, replacement]],
      ['getByTimeRange(old time)', () => store.getByTimeRange(at(10), at(10)), []],
      ['getByTimeRange(new time)', () => store.getByTimeRange(at(20), at(20)), [replacement]],
    ];
    for (const [queryCall, run, expected] of queries) {
      checkTraceList(await expectValue(run, queryCall), expected, queryCall, labels);
    }
  });
}

/**
 * Checks that `getByCorrelation` returns every trace of one workflow and nothing else, ordered
 * by (timestamp, messageId), with two workflows and an unrelated trace stored interleaved and a
 * grandchild whose clock reads earlier than its parent's.
 */
export async function checkTraceStoreCorrelation(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const root = fixtures.root({ at: 0 });
    const late = fixtures.child(root, { at: 30 });
    const tieA = fixtures.child(root, { at: 5 });
    const tieB = fixtures.child(root, { at: 5 });
    const skewed = fixtures.child(late, { at: 2 });
    const otherRoot = fixtures.root({ at: 1 });
    const otherChild = fixtures.child(otherRoot, { at: 4 });
    const unrelated = fixtures.root({ at: 3 });
    const labels = labelsOf({ root, late, tieA, tieB, skewed, otherRoot, otherChild, unrelated });
    await storeAll(store, [late, otherRoot, root, unrelated, tieB, otherChild, skewed, tieA]);

    const call = 'getByCorrelation(workflow of 5)';
    const workflow = await expectValue(() => store.getByCorrelation(root.correlationId), call);
    checkTraceList(workflow, sortedByTime([root, late, tieA, tieB, skewed]), call, labels);

    const otherCall = 'getByCorrelation(workflow of 2)';
    const other = await expectValue(() => store.getByCorrelation(otherRoot.correlationId), otherCall);
    checkTraceList(other, [otherRoot, otherChild], otherCall, labels);
  });
}

/**
 * Checks `getCausalChain` on a branching workflow from its root, a middle node and a leaf. The
 * chain must list the ancestors first cause first, then the message, then the descendants by
 * depth and (timestamp, messageId), without siblings. The walk up must stop at a cause that was
 * never stored.
 */
export async function checkTraceStoreCausalChain(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    // root ─┬─ a ─┬─ b1 ── c ── d
    //       │     └─ b2
    //       └─ x ── y
    const root = fixtures.root({ at: 0 });
    const a = fixtures.child(root, { at: 10 });
    const x = fixtures.child(root, { at: 11 });
    const y = fixtures.child(x, { at: 12 });
    const b2 = fixtures.child(a, { at: 20 });
    const b1 = fixtures.child(a, { at: 21 });
    const c = fixtures.child(b1, { at: 15 });
    const d = fixtures.child(c, { at: 16 });
    const notStored = fixtures.root({ at: 40 });
    const orphan = fixtures.child(notStored, { at: 41 });
    const labels = labelsOf({ root, a, x, y, b1, b2, c, d, orphan });
    await storeAll(store, [d, b1, y, root, c, orphan, x, b2, a]);

    const cases: [string, MessageTrace, MessageTrace[]][] = [
      ['getCausalChain(a), a middle node', a, [root, a, b2, b1, c, d]],
      ['getCausalChain(c), a middle node', c, [root, a, b1, c, d]],
      ['getCausalChain(root)', root, [root, a, x, y, b2, b1, c, d]],
      ['getCausalChain(d), a leaf', d, [root, a, b1, c, d]],
      ['getCausalChain(orphan whose cause was never stored)', orphan, [orphan]],
    ];
    for (const [call, start, expected] of cases) {
      checkTraceList(await expectValue(() => store.getCausalChain(start.messageId), call), expected, call, labels);
    }
  });
}

/** Computes the documented causal chain of `start` over `traces`. */
function expectedCausalChain(traces: readonly MessageTrace[], start: MessageTrace): MessageTrace[] {
  const byId = new Map(traces.map((trace) => [trace.messageId as string, trace]));

  const ancestors: MessageTrace[] = [];
  for (let parent = byId.get(start.causationId ?? ''); parent !== undefined; parent = byId.get(parent.causationId ?? '')) {
    ancestors.unshift(parent);
  }

  const descendants: MessageTrace[] = [];
  let level = [start];
  while (level.length > 0) {
    const ids = new Set(level.map((trace) => trace.messageId as string));
    level = sortedByTime(traces.filter((trace) => trace.causationId !== null && ids.has(trace.causationId)));
    descendants.push(...level);
  }
  return [...ancestors, start, ...descendants];
}

/**
 * Checks with random trees, stored in random order with colliding timestamps, that
 * `getCausalChain` of a random node returns exactly the documented order.
 */
export async function checkTraceStoreCausalOrder(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const tree = fc.array(fc.record({ parent: fc.nat(), at: fc.integer({ min: 0, max: 20 }), storeKey: fc.nat() }), { minLength: 1, maxLength: 29 });

    await assertProperty(
      fc.asyncProperty(tree, fc.nat(), fc.nat(), async (nodes, rootStoreKey, pick) => {
        const traces: MessageTrace[] = [fixtures.root({ at: 10, hopsAt: [] })];
        const storeKeys = [rootStoreKey];
        for (const node of nodes) {
          traces.push(fixtures.child(traces[node.parent % traces.length]!, { at: node.at, hopsAt: [] }));
          storeKeys.push(node.storeKey);
        }

        // Store in a generated order, so children often arrive before their parents.
        const order = traces.map((trace, index) => ({ trace, key: storeKeys[index]! })).sort((a, b) => a.key - b.key);
        await storeAll(store, order.map((entry) => entry.trace));

        const start = traces[pick % traces.length]!;
        const labels = new Map(traces.map((trace, index) => [trace.messageId as string, `node ${index}`]));
        const call = `getCausalChain(${labels.get(start.messageId)})`;
        const chain = await expectValue(() => store.getCausalChain(start.messageId), call);
        checkTraceList(chain, expectedCausalChain(traces, start), call, labels);
      }),
      { numRuns: options.propertyRuns ?? 25 },
    );
  });
}

/**
 * Checks that `getByTimeRange` includes traces exactly at `from` and at `to`, accepts numbers
 * and Dates, handles `from === to`, and orders ties by message id.
 */
export async function checkTraceStoreTimeRangeBounds(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const named = {
      t0: fixtures.root({ at: 0 }),
      t1: fixtures.root({ at: 1 }),
      t2a: fixtures.root({ at: 2 }),
      t2b: fixtures.root({ at: 2 }),
      t3: fixtures.root({ at: 3 }),
      t4: fixtures.root({ at: 4 }),
    };
    const { t0, t1, t2a, t2b, t3, t4 } = named;
    const labels = labelsOf(named);
    await storeAll(store, [t3, t0, t2b, t4, t1, t2a]);

    const at = (offset: number): number => fixtures.baseTime + offset;
    const cases: [string, () => Promise<unknown>, MessageTrace[]][] = [
      ['getByTimeRange(t1, t3)', () => store.getByTimeRange(at(1), at(3)), sortedByTime([t1, t2a, t2b, t3])],
      ['getByTimeRange(Date t0, Date t1)', () => store.getByTimeRange(new Date(at(0)), new Date(at(1))), [t0, t1]],
      ['getByTimeRange(t4, t4)', () => store.getByTimeRange(at(4), at(4)), [t4]],
      ['getByTimeRange(t2, t2)', () => store.getByTimeRange(at(2), new Date(at(2))), sortedByTime([t2a, t2b])],
      ['getByTimeRange(before t0)', () => store.getByTimeRange(at(-10), at(-1)), []],
      ['getByTimeRange(after t4)', () => store.getByTimeRange(at(5), at(50)), []],
    ];
    for (const [call, run, expected] of cases) {
      checkTraceList(await expectValue(run, call), expected, call, labels);
    }
  });
}

/**
 * Checks a wall clock that steps back. Traces stored after the step sort before earlier ones,
 * and a trace is found under its envelope time, not under the time of a hop. Hops come back in
 * recorded order (by `sequence`) even when their times step back 2 s or share one millisecond.
 */
export async function checkTraceStoreClockSteppingBack(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    // The first hop is 1 ms after the envelope, so a store indexing hop times fails the last range.
    const first = fixtures.root({ at: 0, hopsAt: [1, -2000, -2000, -2000, 2] });
    const stepped = fixtures.root({ at: -2000 });
    const after = fixtures.root({ at: 1 });
    const labels = labelsOf({ first, stepped, after });
    await storeAll(store, [first, stepped, after]);

    const at = (offset: number): number => fixtures.baseTime + offset;
    const cases: [string, () => Promise<unknown>, MessageTrace[]][] = [
      ['getByTimeRange around the step', () => store.getByTimeRange(at(-2000), at(1)), [stepped, first, after]],
      ['getByTimeRange at the stepped-back time', () => store.getByTimeRange(at(-2000), at(-2000)), [stepped]],
      ['getByTimeRange between hop and envelope times', () => store.getByTimeRange(at(-1999), at(0)), [first]],
    ];
    for (const [call, run, expected] of cases) {
      checkTraceList(await expectValue(run, call), expected, call, labels);
    }

    const stored = await expectValue(() => store.getByMessageId(first.messageId), 'getByMessageId(first)');
    const hops = stored?.hops ?? [];
    const sequences = hops.map((hop) => hop.sequence);
    check(isDeepStrictEqual(sequences, [0, 1, 2, 3, 4]), `Hops came back with sequences ${show(sequences)}; expected [0, 1, 2, 3, 4]`);
    const offsets = hops.map((hop) => hop.timestamp - fixtures.baseTime);
    check(
      isDeepStrictEqual(offsets, [1, -2000, -2000, -2000, 2]),
      `Hop times came back as offsets ${show(offsets)}; expected recorded order [1, -2000, -2000, -2000, 2]`,
    );
  });
}

/** Checks that `getPolicyTrail` returns the decisions in recorded order, and none for a trace without decisions. */
export async function checkTraceStorePolicyTrail(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const routed = fixtures.root();
    const unrouted = fixtures.root({ routed: false });
    await storeAll(store, [routed, unrouted]);

    const call = 'getPolicyTrail(trace with 2 decisions)';
    const trail = await expectValue(() => store.getPolicyTrail(routed.messageId), call);
    const difference = firstDifference(trail, jsonCopy(routed.decisions), 'trail');
    check(difference === undefined, `${call} returned a different trail: ${difference}`);

    const emptyCall = 'getPolicyTrail(trace without decisions)';
    const empty = await expectValue(() => store.getPolicyTrail(unrouted.messageId), emptyCall);
    check(Array.isArray(empty) && empty.length === 0, `${emptyCall} returned ${show(empty)}; expected an empty array`);
  });
}

/** Checks that every outcome status round-trips, with and without error details. */
export async function checkTraceStoreOutcomes(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const outcomes: TraceOutcome[] = TRACE_OUTCOME_STATUSES.map((status) =>
      status === 'succeeded' ? { status } : { status, errorName: `${status}-error`, errorMessage: `the message ${status}` },
    );
    outcomes.push({ status: 'failed', errorMessage: 'a thrown string' });

    for (const outcome of outcomes) {
      const trace = fixtures.root({ outcome });
      await storeAll(store, [trace]);

      const call = `getByMessageId(trace with outcome ${show(outcome.status)})`;
      const stored = await expectValue(() => store.getByMessageId(trace.messageId), call);
      const difference = firstDifference(stored?.outcome, outcome, 'outcome');
      check(difference === undefined, `${call} returned a different outcome: ${difference}`);
    }
  });
}

/**
 * Checks that traces of one workflow stored at the same time (not awaited one by one) are all
 * kept, for stores that write through a connection pool.
 */
export async function checkTraceStoreConcurrentStores(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  const count = options.concurrentStores ?? 100;
  return withStore(factory, options, async (store, fixtures) => {
    const root = fixtures.root();
    const children = Array.from({ length: count }, (_, index) => fixtures.child(root, { at: index % 7 }));
    await storeAll(store, [root]);

    const outcomes = await Promise.allSettled(children.map((child) => store.store(child)));
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    check(
      failures.length === 0,
      `${failures.length} of ${count} concurrent store calls rejected, the first with ${describeError(failures[0]?.reason)}`,
    );

    const call = `getByCorrelation after ${count} concurrent stores`;
    const workflow = await expectValue(() => store.getByCorrelation(root.correlationId), call);
    const ids = new Set(Array.isArray(workflow) ? workflow.map((trace) => trace.messageId as string) : []);
    const missing = children.filter((child) => !ids.has(child.messageId)).length;
    check(missing === 0 && ids.size === count + 1, `${call} returned ${ids.size} traces, missing ${missing} of the ${count} children`);
  });
}

/** Values that are not message ids: not UUIDv7 text, or not strings. */
const INVALID_IDS: readonly unknown[] = ['order-42', '', '9b2c6c3e-6f0e-4c7a-9a57-3f1f8e0c2d11', 42, undefined, null, {}];

/**
 * Checks that the query methods reject ids that are not UUIDv7 strings with a TypeError naming
 * the argument. `store` must reject a trace with an invalid id or timestamp with a TypeError or
 * RangeError naming the field, and must not store it.
 */
export async function checkTraceStoreRejectsInvalidIds(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    for (const id of INVALID_IDS) {
      const calls: [string, string, () => Promise<unknown>][] = [
        [`getByMessageId(${show(id)})`, 'messageId', () => store.getByMessageId(id as MessageId)],
        [`getByCorrelation(${show(id)})`, 'correlationId', () => store.getByCorrelation(id as CorrelationId)],
        [`getCausalChain(${show(id)})`, 'messageId', () => store.getCausalChain(id as MessageId)],
        [`getPolicyTrail(${show(id)})`, 'messageId', () => store.getPolicyTrail(id as MessageId)],
      ];
      for (const [call, argument, run] of calls) {
        const outcome = await settle(run, call);
        check(!outcome.ok, `${call} resolved with ${outcome.ok ? show(outcome.value) : ''}; it must reject with a TypeError naming ${argument}`);
        checkError(outcome.error, [TypeError], [argument], call);
      }
    }

    const valid = fixtures.root({ at: 0 });
    const invalidTraces: [string, string, unknown][] = [
      ['store(trace with messageId "order-42")', 'messageId', { ...valid, messageId: 'order-42' }],
      ['store(trace with correlationId 42)', 'correlationId', { ...valid, correlationId: 42 }],
      ['store(trace with causationId "parent")', 'causationId', { ...valid, causationId: 'parent' }],
      ['store(trace with timestamp NaN)', 'timestamp', { ...valid, timestamp: Number.NaN }],
      ['store(undefined)', 'trace', undefined],
    ];
    for (const [call, field, trace] of invalidTraces) {
      const outcome = await settle(() => store.store(trace as MessageTrace), call);
      check(!outcome.ok, `${call} resolved; it must reject with a TypeError or RangeError naming ${field}`);
      checkError(outcome.error, [TypeError, RangeError], [field], call);
    }

    const leftover = await expectValue(() => store.getByMessageId(valid.messageId), 'getByMessageId after rejected stores');
    check(leftover === undefined, 'A trace whose store call rejected was stored anyway');
  });
}

/**
 * Checks that `getByTimeRange` rejects `from` later than `to`, non-finite numbers and invalid
 * Dates with a RangeError, and other types with a TypeError or RangeError, naming the bound.
 */
export async function checkTraceStoreRejectsInvalidTimeRange(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const time = fixtures.baseTime;
    const cases: [string, unknown, unknown, (typeof TypeError | typeof RangeError)[], string[]][] = [
      ['getByTimeRange(to + 1, to)', time + 1, time, [RangeError], ['from', 'to']],
      ['getByTimeRange(NaN, to)', Number.NaN, time, [RangeError], ['from']],
      ['getByTimeRange(from, Infinity)', time, Infinity, [RangeError], ['to']],
      ['getByTimeRange(-Infinity, to)', -Infinity, time, [RangeError], ['from']],
      ['getByTimeRange(Invalid Date, to)', new Date(Number.NaN), time, [RangeError], ['from']],
      ['getByTimeRange("2030-01-01", to)', '2030-01-01', time, [TypeError, RangeError], ['from']],
      ['getByTimeRange(from, null)', time, null, [TypeError, RangeError], ['to']],
    ];
    for (const [call, from, to, classes, mentions] of cases) {
      const outcome = await settle(() => store.getByTimeRange(from as number, to as number), call);
      check(!outcome.ok, `${call} resolved with ${outcome.ok ? show(outcome.value) : ''}; it must reject`);
      checkError(outcome.error, classes, mentions, call);
    }
  });
}

/**
 * Checks that every method rejects with the signal's own reason when the signal is already
 * aborted, that an aborted `store` stores nothing, and that a live signal changes nothing.
 */
export async function checkTraceStoreAbortHonoured(factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): Promise<CheckOutcome> {
  return withStore(factory, options, async (store, fixtures) => {
    const reason = new Error('caller went away');
    const aborted = AbortSignal.abort(reason);
    const trace = fixtures.root();
    const time = fixtures.baseTime;

    const calls: [string, () => Promise<unknown>][] = [
      ['store(trace, abortedSignal)', () => store.store(trace, aborted)],
      ['getByMessageId(id, abortedSignal)', () => store.getByMessageId(trace.messageId, aborted)],
      ['getByCorrelation(id, abortedSignal)', () => store.getByCorrelation(trace.correlationId, aborted)],
      ['getCausalChain(id, abortedSignal)', () => store.getCausalChain(trace.messageId, aborted)],
      ['getByTimeRange(from, to, abortedSignal)', () => store.getByTimeRange(time, time, aborted)],
      ['getPolicyTrail(id, abortedSignal)', () => store.getPolicyTrail(trace.messageId, aborted)],
    ];
    for (const [call, run] of calls) {
      const outcome = await settle(run, call);
      check(!outcome.ok, `${call} resolved with ${outcome.ok ? show(outcome.value) : ''}; it must reject with the signal's reason`);
      check(outcome.error === reason, `${call} rejected with ${describeError(outcome.error)}; it must reject with the signal's reason itself`);
    }

    const afterAbort = await expectValue(() => store.getByMessageId(trace.messageId), 'getByMessageId after an aborted store');
    check(afterAbort === undefined, 'store(trace, abortedSignal) stored the trace; an aborted call must change nothing');

    const live = new AbortController().signal;
    await expectValue(() => store.store(trace, live), 'store(trace, liveSignal)');
    const call = 'getByMessageId(id, liveSignal)';
    checkTraceEquals(await expectValue(() => store.getByMessageId(trace.messageId, live), call), trace, call);
  });
}

/**
 * Every check of the trace store contract, in the order {@link describeTraceStoreContract}
 * registers them. Run one directly to prove that it catches a broken store.
 */
export const traceStoreChecks: readonly TraceStoreCheck[] = [
  { name: 'returns a stored trace unchanged', run: checkTraceStoreRoundTrip },
  { name: 'keeps a copy of the stored input', run: checkTraceStoreKeepsCopy },
  { name: 'returns nothing for unknown ids', run: checkTraceStoreUnknownIds },
  { name: 'replaces a trace stored again', run: checkTraceStoreReplacesSameId },
  { name: 'returns exactly one workflow by correlation', run: checkTraceStoreCorrelation },
  { name: 'returns causal chains with branches', run: checkTraceStoreCausalChain },
  { name: 'orders any causal tree as documented', run: checkTraceStoreCausalOrder },
  { name: 'includes both time range bounds', run: checkTraceStoreTimeRangeBounds },
  { name: 'indexes envelope time when clocks step back', run: checkTraceStoreClockSteppingBack },
  { name: 'returns the policy trail in order', run: checkTraceStorePolicyTrail },
  { name: 'keeps every outcome status', run: checkTraceStoreOutcomes },
  { name: 'keeps every concurrent store', run: checkTraceStoreConcurrentStores },
  { name: 'rejects invalid ids and traces', run: checkTraceStoreRejectsInvalidIds },
  { name: 'rejects an invalid time range', run: checkTraceStoreRejectsInvalidTimeRange },
  { name: 'rejects aborted calls and stores nothing', run: checkTraceStoreAbortHonoured },
];

/** Throws unless `value` is undefined or a positive safe integer. */
function validateCount(value: unknown, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 1)) {
    throw new RangeError(`${name} must be a positive integer; received ${show(value)}`);
  }
}

/**
 * Registers a Vitest suite that proves `factory`'s stores meet the `TraceStore` contract: one
 * test per entry of {@link traceStoreChecks}, each with a fresh store and the cleanup hook
 * called after it.
 *
 * @example
 * ```ts
 * describeTraceStoreContract('InMemoryTraceStore', () => new InMemoryTraceStore(), {
 *   cleanup: (store) => store.close?.(),
 * });
 * describeTraceStoreContract('PostgresTraceStore', () => connectTraceStore(url), {
 *   propertyRuns: 10,
 *   cleanup: (store) => store.close?.(),
 * });
 * ```
 *
 * @throws TypeError when `factory` is not a function.
 * @throws RangeError when `propertyRuns` or `concurrentStores` is not a positive integer.
 */
export function describeTraceStoreContract(name: string, factory: TraceStoreFactory, options: TraceStoreContractOptions = {}): void {
  if (typeof factory !== 'function') {
    throw new TypeError(`factory must be a function that returns a TraceStore; received ${show(factory)}`);
  }
  validateCount(options.propertyRuns, 'propertyRuns');
  validateCount(options.concurrentStores, 'concurrentStores');

  describe(`${name} meets the TraceStore contract`, () => {
    for (const contractCheck of traceStoreChecks) {
      it(contractCheck.name, { timeout: options.testTimeoutMs ?? 60_000 }, async (context) => {
        const outcome = await contractCheck.run(factory, options);
        if (outcome.status === 'skipped') context.skip(outcome.reason);
      });
    }
  });
}
