import { randomUUID } from 'node:crypto';

import type { SequenceProvider } from '@whizbang/observability';
import fc from 'fast-check';
import { describe, it } from 'vitest';

import { assertProperty, check, checkError, describeError, passed, settle, show, type CheckOutcome } from './contract-check.js';

/** Creates a fresh provider for one check. May be async, for providers that connect to a server. */
export type SequenceProviderFactory = () => SequenceProvider | Promise<SequenceProvider>;

/** Options of {@link describeSequenceProviderContract} and of every sequence provider check. */
export interface SequenceProviderContractOptions {
  /**
   * Callers that call `getNext` on one stream at the same time in the concurrency check.
   * Default 1,000. A provider backed by a real server may pass a smaller number.
   */
  readonly concurrentCallers?: number;

  /** `getNext` calls each concurrent caller makes, one after another. Default 1,000. */
  readonly callsPerCaller?: number;

  /** fast-check runs of each property. Default 100. */
  readonly propertyRuns?: number;

  /** Called with each provider a check created, after the check ends (close connections here). */
  readonly cleanup?: (provider: SequenceProvider) => void | Promise<void>;

  /** Vitest timeout of each check in milliseconds. Default 60,000. */
  readonly testTimeoutMs?: number;
}

/** One named check of the sequence provider contract. */
export interface SequenceProviderCheck {
  /** Test name: what a conforming provider does. */
  readonly name: string;

  /** Runs the check and throws an `AssertionError` on the first violation. */
  run(factory: SequenceProviderFactory, options?: SequenceProviderContractOptions): Promise<CheckOutcome>;
}

/** Creates a provider, runs `body` with it and always runs the cleanup hook. */
async function withProvider(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions,
  body: (provider: SequenceProvider) => Promise<void>,
): Promise<CheckOutcome> {
  const provider = await factory();
  try {
    await body(provider);
    return passed;
  } finally {
    await options.cleanup?.(provider);
  }
}

/**
 * Returns a function that makes stream keys unique to one check run. A provider backed by a
 * server may keep streams from earlier runs, so every check uses keys no earlier run used.
 */
function keyMaker(): (label: string) => string {
  const run = randomUUID();
  return (label) => `contract-${run}-${label}`;
}

/** Awaits `promise` and fails with a message naming `call` when it rejects. */
async function expectValue<T>(run: () => Promise<T>, call: string): Promise<T> {
  const outcome = await settle(run, call);
  if (!outcome.ok) {
    check(false, `${call} rejected with ${describeError(outcome.error)}`);
  }
  return outcome.value;
}

/** Fails unless `actual` equals `expected`, naming the call. */
function checkEquals(actual: unknown, expected: unknown, call: string): void {
  check(Object.is(actual, expected), `${call} returned ${show(actual)}; expected ${show(expected)}`);
}

/**
 * Checks that an unknown stream reports 0 from `getCurrent` and that its first `getNext`
 * returns 1, then 2, for ASCII and Unicode keys.
 */
export async function checkFirstValue(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  return withProvider(factory, options, async (provider) => {
    const key = keyMaker();

    for (const stream of [key('order'), key('ключ-🔑')]) {
      checkEquals(await expectValue(() => provider.getCurrent(stream), `getCurrent(${show(stream)})`), 0, `getCurrent of an unknown stream`);
      checkEquals(await expectValue(() => provider.getNext(stream), `getNext(${show(stream)})`), 1, `The first getNext of a stream`);
      checkEquals(await expectValue(() => provider.getCurrent(stream), `getCurrent(${show(stream)})`), 1, `getCurrent after one getNext`);
      checkEquals(await expectValue(() => provider.getNext(stream), `getNext(${show(stream)})`), 2, `The second getNext of a stream`);
    }
  });
}

/**
 * Checks that `concurrentCallers` callers, each making `callsPerCaller` `getNext` calls on one
 * stream at the same time, get every number from 1 to callers × calls exactly once, each caller
 * in strictly increasing order, and that `getCurrent` then returns the highest. Without aborts
 * or failures, numbers are gap-free.
 */
export async function checkConcurrentCallers(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  const callers = options.concurrentCallers ?? 1000;
  const callsPerCaller = options.callsPerCaller ?? 1000;
  const total = callers * callsPerCaller;

  return withProvider(factory, options, async (provider) => {
    const stream = keyMaker()('concurrent');

    // seen[n] is 1 once number n was handed out; a second hand-out is a duplicate.
    const seen = new Uint8Array(total + 1);

    const runCaller = async (caller: number): Promise<void> => {
      let previous = 0;
      for (let call = 0; call < callsPerCaller; call++) {
        const value = await provider.getNext(stream);
        check(
          Number.isSafeInteger(value) && value >= 1 && value <= total,
          `Caller ${caller} got ${show(value)} from getNext; with ${total} calls in all, every number must be an integer in [1, ${total}]`,
        );
        check(value > previous, `Caller ${caller} got ${value} after ${previous}; numbers of one stream must strictly increase`);
        check(seen[value] === 0, `Number ${value} was handed out twice under ${callers} concurrent callers`);
        seen[value] = 1;
        previous = value;
      }
    };

    // allSettled, not all: a failed caller must not leave others running after the check ends.
    const results = await Promise.allSettled(Array.from({ length: callers }, (_, caller) => runCaller(caller)));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;

    checkEquals(await provider.getCurrent(stream), total, `getCurrent after ${total} concurrent getNext calls`);
  });
}

/**
 * Checks that streams are numbered independently: interleaved calls on three streams each
 * count from 1, a reset of one leaves the others alone, and a fast-check property over random
 * call orders matches a model with one counter per stream.
 */
export async function checkStreamsIndependent(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  return withProvider(factory, options, async (provider) => {
    const key = keyMaker();
    const [a, b, c] = [key('a'), key('b'), key('c')];

    checkEquals(await provider.getNext(a), 1, 'getNext(a)');
    checkEquals(await provider.getNext(b), 1, 'getNext(b) after getNext(a)');
    checkEquals(await provider.getNext(a), 2, 'getNext(a) after getNext(b)');
    checkEquals(await provider.getNext(c), 1, 'getNext(c) after a and b');
    checkEquals(await provider.getNext(b), 2, 'The second getNext(b)');

    await provider.reset(a, 100);
    checkEquals(await provider.getCurrent(b), 2, 'getCurrent(b) after reset(a, 100)');
    checkEquals(await provider.getNext(c), 2, 'getNext(c) after reset(a, 100)');

    let run = 0;
    await assertProperty(
      fc.asyncProperty(fc.array(fc.nat({ max: 4 }), { maxLength: 60 }), async (picks) => {
        run += 1;
        const counts = new Map<number, number>();

        for (const pick of picks) {
          const expected = (counts.get(pick) ?? 0) + 1;
          counts.set(pick, expected);
          checkEquals(await provider.getNext(key(`model-${run}-${pick}`)), expected, `getNext of stream ${pick} in call order ${show(picks)}`);
        }

        for (const [pick, count] of counts) {
          checkEquals(await provider.getCurrent(key(`model-${run}-${pick}`)), count, `getCurrent of stream ${pick} in call order ${show(picks)}`);
        }
      }),
      { numRuns: options.propertyRuns ?? 100 },
    );
  });
}

/**
 * Checks with `fc.scheduler()` that any interleaving of concurrent callers, each calling
 * `getNext` on random streams one call after another, gives every stream exactly the numbers
 * 1..n, and every caller increasing numbers within each stream.
 */
export async function checkConcurrentInterleavings(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  return withProvider(factory, options, async (provider) => {
    const key = keyMaker();
    let run = 0;

    await assertProperty(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 8 }),
        async (scheduler, callers) => {
          run += 1;
          const handedOut = new Map<number, number[]>();

          const runCaller = async (picks: number[], caller: number): Promise<void> => {
            const lastByStream = new Map<number, number>();
            for (const pick of picks) {
              // The scheduler decides when this call starts, so calls of all callers interleave.
              await scheduler.schedule(Promise.resolve(), `caller ${caller} calls getNext(${pick})`);
              const value = await provider.getNext(key(`interleaved-${run}-${pick}`));

              const last = lastByStream.get(pick) ?? 0;
              check(value > last, `Caller ${caller} got ${value} after ${last} on stream ${pick}; numbers must strictly increase`);
              lastByStream.set(pick, value);

              const values = handedOut.get(pick) ?? [];
              values.push(value);
              handedOut.set(pick, values);
            }
          };

          await scheduler.waitFor(Promise.all(callers.map(runCaller)));

          for (const [pick, values] of handedOut) {
            const sorted = [...values].sort((left, right) => left - right);
            const expected = sorted.map((_, index) => index + 1);
            check(
              sorted.every((value, index) => value === expected[index]),
              `Stream ${pick} got numbers ${show(sorted)}; expected each of 1..${values.length} once`,
            );
          }
        },
      ),
      { numRuns: options.propertyRuns ?? 100 },
    );
  });
}

/**
 * Checks `reset`: `reset(stream, n)` makes the next `getNext` return n + 1 and `getCurrent`
 * return n, the default value is 0, and resetting an unknown stream creates it.
 */
export async function checkReset(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  return withProvider(factory, options, async (provider) => {
    const key = keyMaker();
    const stream = key('reset');

    for (let expected = 1; expected <= 3; expected++) {
      checkEquals(await provider.getNext(stream), expected, `getNext before reset`);
    }

    await expectValue(() => provider.reset(stream, 10), `reset(stream, 10)`);
    checkEquals(await provider.getCurrent(stream), 10, 'getCurrent after reset(stream, 10)');
    checkEquals(await provider.getNext(stream), 11, 'getNext after reset(stream, 10)');

    await expectValue(() => provider.reset(stream), `reset(stream) without a value`);
    checkEquals(await provider.getCurrent(stream), 0, 'getCurrent after reset(stream)');
    checkEquals(await provider.getNext(stream), 1, 'getNext after reset(stream)');

    const unknown = key('reset-unknown');
    await expectValue(() => provider.reset(unknown, 41), `reset of an unknown stream to 41`);
    checkEquals(await provider.getNext(unknown), 42, 'getNext after reset of an unknown stream to 41');
  });
}

/**
 * Checks the upper limit: after `reset(stream, MAX_SAFE_INTEGER - 1)`, `getNext` returns
 * `MAX_SAFE_INTEGER`, and the call after it rejects with a `RangeError` and consumes nothing.
 */
export async function checkMaxSafeInteger(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  return withProvider(factory, options, async (provider) => {
    const stream = keyMaker()('max-safe');
    await provider.reset(stream, Number.MAX_SAFE_INTEGER - 1);
    checkEquals(await provider.getNext(stream), Number.MAX_SAFE_INTEGER, 'getNext after reset to MAX_SAFE_INTEGER - 1');

    const outcome = await settle(() => provider.getNext(stream), 'getNext at MAX_SAFE_INTEGER');
    check(
      !outcome.ok,
      `getNext at MAX_SAFE_INTEGER returned ${outcome.ok ? show(outcome.value) : ''}; it must reject with a RangeError, because the next number cannot be represented exactly`,
    );
    checkError(outcome.error, [RangeError], [], 'getNext at MAX_SAFE_INTEGER');
    checkEquals(await provider.getCurrent(stream), Number.MAX_SAFE_INTEGER, 'getCurrent after the rejected getNext');
  });
}

/**
 * Checks that `getNext`, `getCurrent` and `reset` reject with the signal's own reason when the
 * signal is already aborted, and that such a call changes nothing: no number is consumed and
 * no reset happens. A live signal that is never aborted does not disturb the calls.
 */
export async function checkAbortHonoured(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  return withProvider(factory, options, async (provider) => {
    const stream = keyMaker()('abort');
    const reason = new Error('caller went away');
    const aborted = AbortSignal.abort(reason);

    const calls: [string, () => Promise<unknown>][] = [
      ['getNext(stream, abortedSignal)', () => provider.getNext(stream, aborted)],
      ['getCurrent(stream, abortedSignal)', () => provider.getCurrent(stream, aborted)],
      ['reset(stream, 50, abortedSignal)', () => provider.reset(stream, 50, aborted)],
    ];

    for (const [call, run] of calls) {
      const outcome = await settle(run, call);
      check(!outcome.ok, `${call} resolved with ${outcome.ok ? show(outcome.value) : ''}; it must reject with the signal's reason`);
      check(outcome.error === reason, `${call} rejected with ${describeError(outcome.error)}; it must reject with the signal's reason itself`);
    }

    checkEquals(await provider.getCurrent(stream), 0, 'getCurrent after aborted calls');

    const live = new AbortController().signal;
    checkEquals(await provider.getNext(stream, live), 1, 'getNext with a live signal after aborted calls');
    checkEquals(await provider.getCurrent(stream, live), 1, 'getCurrent with a live signal');
    await provider.reset(stream, 7, live);
    checkEquals(await provider.getNext(stream), 8, 'getNext after reset(stream, 7, liveSignal)');
  });
}

/** Stream keys that must be rejected: empty, or not a primitive string. */
const INVALID_STREAM_KEYS: readonly unknown[] = ['', 42, undefined, null, true, {}, ['order-42'], Symbol('order-42'), new String('order-42')];

/**
 * Checks that `getNext`, `getCurrent` and `reset` reject an empty or non-string `streamKey`
 * with a `TypeError` naming `streamKey`, by returning a rejected promise rather than throwing.
 */
export async function checkRejectsInvalidStreamKey(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  return withProvider(factory, options, async (provider) => {
    for (const streamKey of INVALID_STREAM_KEYS) {
      const calls: [string, () => Promise<unknown>][] = [
        [`getNext(${show(streamKey)})`, () => provider.getNext(streamKey as string)],
        [`getCurrent(${show(streamKey)})`, () => provider.getCurrent(streamKey as string)],
        [`reset(${show(streamKey)}, 5)`, () => provider.reset(streamKey as string, 5)],
      ];

      for (const [call, run] of calls) {
        const outcome = await settle(run, call);
        check(!outcome.ok, `${call} resolved with ${outcome.ok ? show(outcome.value) : ''}; it must reject with a TypeError naming streamKey`);
        checkError(outcome.error, [TypeError], ['streamKey'], call);
      }
    }
  });
}

/** Reset values that must be rejected with a RangeError: negative, fractional, not finite, unsafe. */
const OUT_OF_RANGE_RESET_VALUES: readonly number[] = [-1, -0.5, 1.5, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 1];

/** Reset values of the wrong type, which must be rejected with a TypeError or RangeError. */
const WRONG_TYPE_RESET_VALUES: readonly unknown[] = ['5', null, {}, 5n, true];

/**
 * Checks that `reset` rejects a `newValue` that is negative, not an integer or above
 * `MAX_SAFE_INTEGER` with a `RangeError`, and one of the wrong type with a `TypeError` or
 * `RangeError`, each naming `newValue`, and that the stream keeps its value.
 */
export async function checkRejectsInvalidResetValue(
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): Promise<CheckOutcome> {
  return withProvider(factory, options, async (provider) => {
    const stream = keyMaker()('bad-reset');
    await provider.getNext(stream);
    await provider.getNext(stream);

    const cases: [unknown, (typeof TypeError | typeof RangeError)[]][] = [
      ...OUT_OF_RANGE_RESET_VALUES.map((value): [unknown, (typeof RangeError)[]] => [value, [RangeError]]),
      ...WRONG_TYPE_RESET_VALUES.map((value): [unknown, (typeof TypeError | typeof RangeError)[]] => [value, [TypeError, RangeError]]),
    ];

    for (const [newValue, classes] of cases) {
      const call = `reset(stream, ${show(newValue)})`;
      const outcome = await settle(() => provider.reset(stream, newValue as number), call);
      check(!outcome.ok, `${call} resolved; it must reject with a ${classes.map((errorClass) => errorClass.name).join(' or ')} naming newValue`);
      checkError(outcome.error, classes, ['newValue'], call);
    }

    checkEquals(await provider.getCurrent(stream), 2, 'getCurrent after rejected resets');
  });
}

/**
 * Every check of the sequence provider contract, in the order
 * {@link describeSequenceProviderContract} registers them. Run one directly to prove that it
 * catches a broken provider.
 */
export const sequenceProviderChecks: readonly SequenceProviderCheck[] = [
  { name: 'starts a stream at 1 and reports 0 before', run: checkFirstValue },
  { name: 'hands out each number once under concurrent callers', run: checkConcurrentCallers },
  { name: 'numbers each stream independently', run: checkStreamsIndependent },
  { name: 'numbers any interleaving of callers 1..n', run: checkConcurrentInterleavings },
  { name: 'resets a stream to a given value', run: checkReset },
  { name: 'rejects numbers past MAX_SAFE_INTEGER', run: checkMaxSafeInteger },
  { name: 'rejects an aborted call and consumes nothing', run: checkAbortHonoured },
  { name: 'rejects an empty or non-string streamKey', run: checkRejectsInvalidStreamKey },
  { name: 'rejects an invalid reset newValue', run: checkRejectsInvalidResetValue },
];

/** Throws unless `value` is undefined or a positive safe integer. */
function validateCount(value: unknown, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 1)) {
    throw new RangeError(`${name} must be a positive integer; received ${show(value)}`);
  }
}

/**
 * Registers a Vitest suite that proves `factory`'s providers meet the `SequenceProvider`
 * contract: one test per entry of {@link sequenceProviderChecks}, each with a fresh provider.
 *
 * @example
 * ```ts
 * describeSequenceProviderContract('InMemorySequenceProvider', () => new InMemorySequenceProvider());
 * describeSequenceProviderContract('PostgresSequenceProvider', () => connect(), {
 *   concurrentCallers: 50,
 *   callsPerCaller: 100,
 *   cleanup: (provider) => (provider as PostgresSequenceProvider).close(),
 * });
 * ```
 *
 * @throws TypeError when `factory` is not a function.
 * @throws RangeError when a count option is not a positive integer.
 */
export function describeSequenceProviderContract(
  name: string,
  factory: SequenceProviderFactory,
  options: SequenceProviderContractOptions = {},
): void {
  if (typeof factory !== 'function') {
    throw new TypeError(`factory must be a function that returns a SequenceProvider; received ${show(factory)}`);
  }
  validateCount(options.concurrentCallers, 'concurrentCallers');
  validateCount(options.callsPerCaller, 'callsPerCaller');
  validateCount(options.propertyRuns, 'propertyRuns');

  describe(`${name} meets the SequenceProvider contract`, () => {
    for (const contractCheck of sequenceProviderChecks) {
      it(contractCheck.name, { timeout: options.testTimeoutMs ?? 60_000 }, async (context) => {
        const outcome = await contractCheck.run(factory, options);
        if (outcome.status === 'skipped') context.skip(outcome.reason);
      });
    }
  });
}
