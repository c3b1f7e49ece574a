import { AssertionError } from 'node:assert';

import type { PartitionRouter } from '@whizbang/observability';
import fc from 'fast-check';
import { describe, it } from 'vitest';

import {
  assertProperty,
  check,
  checkError,
  describeError,
  passed,
  show,
  skipped,
  type CheckOutcome,
} from './contract-check.js';
import { READ_REQUEST_AND_IMPORT, runNodeScript } from './node-script.js';
import { edgeCaseStreamKeys, streamKeyArbitrary } from './stream-key-arbitraries.js';

/** Creates a fresh router for one check. May be async. */
export type PartitionRouterFactory = () => PartitionRouter | Promise<PartitionRouter>;

/**
 * Module and export from which a child Node process builds the router in the cross-process
 * check. Plain Node must be able to import the module (built JavaScript, not TypeScript source).
 */
export interface CrossProcessRouterSource {
  /** URL of the ES module, for example `new URL('../dist/index.js', import.meta.url).href`. */
  readonly moduleUrl: string | URL;

  /**
   * Name of the export that builds the router: a router object, a class whose constructor takes
   * no arguments, or a function without arguments that returns (or resolves to) a router.
   */
  readonly exportName: string;

  /** Milliseconds the child process may run before the check fails. Default 30,000. */
  readonly timeoutMs?: number;
}

/** Options of {@link describePartitionRouterContract} and of every partition router check. */
export interface PartitionRouterContractOptions {
  /**
   * True for routers whose result depends on earlier calls, such as round-robin. The
   * same-key-same-partition and cross-process checks are then skipped. Default false.
   */
  readonly stateful?: boolean;

  /** Router module for the child process. Without it, the cross-process check is skipped. */
  readonly crossProcess?: CrossProcessRouterSource;

  /** fast-check runs of each property. Default 200. */
  readonly propertyRuns?: number;

  /** Length in UTF-16 code units of the long key (ASCII, so also its UTF-8 bytes). Default 1,048,576. */
  readonly longKeyLength?: number;

  /** Called with each router a check created, after the check ends. */
  readonly cleanup?: (router: PartitionRouter) => void | Promise<void>;

  /** Vitest timeout of each check in milliseconds. Default 60,000. */
  readonly testTimeoutMs?: number;
}

/** One named check of the partition router contract. */
export interface PartitionRouterCheck {
  /** Test name: what a conforming router does. */
  readonly name: string;

  /** Runs the check and throws an `AssertionError` on the first violation. */
  run(factory: PartitionRouterFactory, options?: PartitionRouterContractOptions): Promise<CheckOutcome>;
}

/** Partition counts that every check tries besides random ones: 1, small, powers of two, huge. */
const PARTITION_COUNTS: readonly number[] = [1, 2, 3, 4, 7, 10, 16, 100, 1000, 2 ** 31 - 1];

/** Arbitrary partition count, mostly small (the usual case) and sometimes up to 2^31 - 1. */
const partitionCountArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 31 - 1 }) },
);

/** Creates a router, runs `body` with it and always runs the cleanup hook. */
async function withRouter(
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions,
  body: (router: PartitionRouter) => Promise<CheckOutcome> | CheckOutcome,
): Promise<CheckOutcome> {
  const router = await factory();
  try {
    return await body(router);
  } finally {
    await options.cleanup?.(router);
  }
}

/** Describes a call for failure messages, with keys cut short. */
function callText(method: string, key: unknown, partitionCount: unknown): string {
  return `${method}(${show(key)}, ${show(partitionCount)})`;
}

/** Fails unless `partition` is an integer in `[0, partitionCount)`. */
function checkInRange(partition: number, key: string, partitionCount: number, method: string): void {
  check(
    Number.isInteger(partition) && partition >= 0 && partition < partitionCount,
    `${callText(method, key, partitionCount)} returned ${show(partition)}; expected an integer in [0, ${partitionCount})`,
  );
}

/** Calls the router's `previewPartition` when it has one, then `selectPartition`, and checks both results. */
function selectAndCheck(router: PartitionRouter, key: string, partitionCount: number): number {
  const preview = router.previewPartition?.bind(router);
  if (preview) {
    const previewed = callAcceptingKey(() => preview(key, partitionCount), 'previewPartition', key, partitionCount);
    checkInRange(previewed, key, partitionCount, 'previewPartition');
  }

  const partition = routeAcceptingKey(router, key, partitionCount);
  checkInRange(partition, key, partitionCount, 'selectPartition');
  return partition;
}

/** Runs one router call and turns any exception into a failure: every string key is valid. */
function callAcceptingKey(call: () => number, method: string, key: string, partitionCount: number): number {
  try {
    return call();
  } catch (error) {
    throw new AssertionError({
      message: `${callText(method, key, partitionCount)} threw ${describeError(error)}; every string key must be accepted`,
    });
  }
}

/** Calls `selectPartition` and turns any exception into a failure: every string key is valid. */
function routeAcceptingKey(router: PartitionRouter, key: string, partitionCount: number): number {
  return callAcceptingKey(() => router.selectPartition(key, partitionCount), 'selectPartition', key, partitionCount);
}

/**
 * Checks that every result is an integer in `[0, partitionCount)`: for fixed edge cases and a
 * fast-check property over keys and counts up to 2^31 - 1. With one partition the result is 0.
 */
export async function checkPartitionInRange(
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions = {},
): Promise<CheckOutcome> {
  return withRouter(factory, options, async (router) => {
    for (const partitionCount of PARTITION_COUNTS) {
      for (const key of edgeCaseStreamKeys) selectAndCheck(router, key, partitionCount);
    }

    await assertProperty(
      fc.property(streamKeyArbitrary(), partitionCountArbitrary, (key, partitionCount) => {
        selectAndCheck(router, key, partitionCount);
      }),
      { numRuns: options.propertyRuns ?? 200 },
    );
    return passed;
  });
}

/** Partition counts that are not positive integers, each of which must be rejected. */
const INVALID_PARTITION_COUNTS: readonly unknown[] = [0, -1, -4, 1.5, 0.5, Number.NaN, Infinity, -Infinity, '4', null, undefined];

/**
 * Checks that a `partitionCount` that is not a positive integer (0, negative, fractional, NaN,
 * infinite, a string, null, undefined) throws a `RangeError` naming `partitionCount` and the value,
 * in `selectPartition` and in `previewPartition` when the router has it.
 */
export async function checkRejectsInvalidPartitionCount(
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions = {},
): Promise<CheckOutcome> {
  return withRouter(factory, options, (router) => {
    const methods: ['selectPartition' | 'previewPartition', (key: string, count: number) => number][] = [
      ['selectPartition', (key, count) => router.selectPartition(key, count)],
    ];
    const preview = router.previewPartition?.bind(router);
    if (preview) methods.push(['previewPartition', preview]);

    for (const [method, call] of methods) {
      for (const partitionCount of INVALID_PARTITION_COUNTS) {
        const text = callText(method, 'order-42', partitionCount);
        let result: number;
        try {
          result = call('order-42', partitionCount as number);
        } catch (error) {
          checkError(error, [RangeError], ['partitionCount', String(partitionCount)], text);
          continue;
        }
        check(false, `${text} returned ${show(result)}; it should throw a RangeError naming partitionCount`);
      }
    }
    return passed;
  });
}

/** Stream keys of the wrong type, each of which must be rejected. */
const NON_STRING_KEYS: readonly unknown[] = [42, 0, undefined, null, true, {}, ['order-42'], 42n, Symbol('order-42'), new String('order-42')];

/**
 * Checks that a `streamKey` that is not a primitive string (number, undefined, null, boolean,
 * object, array, bigint, symbol, `String` object) throws a `TypeError` naming `streamKey`.
 */
export async function checkRejectsNonStringKey(
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions = {},
): Promise<CheckOutcome> {
  return withRouter(factory, options, (router) => {
    const methods: ['selectPartition' | 'previewPartition', (key: string, count: number) => number][] = [
      ['selectPartition', (key, count) => router.selectPartition(key, count)],
    ];
    const preview = router.previewPartition?.bind(router);
    if (preview) methods.push(['previewPartition', preview]);

    for (const [method, call] of methods) {
      for (const key of NON_STRING_KEYS) {
        const text = callText(method, key, 4);
        let result: number;
        try {
          result = call(key as string, 4);
        } catch (error) {
          checkError(error, [TypeError], ['streamKey'], text);
          continue;
        }
        check(false, `${text} returned ${show(result)}; it should throw a TypeError naming streamKey`);
      }
    }
    return passed;
  });
}

/**
 * Checks that the empty key, Unicode keys (multi-byte, supplementary, lone surrogates) and a
 * very long key (1 MiB by default) are routed into range, and, for stateless routers, to the
 * same partition on a second call.
 */
export async function checkEdgeCaseKeys(
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions = {},
): Promise<CheckOutcome> {
  return withRouter(factory, options, (router) => {
    const longKey = 'k'.repeat(options.longKeyLength ?? 1_048_576);
    const keys = [...edgeCaseStreamKeys, longKey, `${longKey}\u00e9🔑`];

    for (const partitionCount of [1, 7, 1024]) {
      for (const key of keys) {
        const first = routeAcceptingKey(router, key, partitionCount);
        const second = routeAcceptingKey(router, key, partitionCount);
        checkInRange(first, key, partitionCount, 'selectPartition');
        checkInRange(second, key, partitionCount, 'selectPartition');

        if (!options.stateful) {
          check(
            first === second,
            `${callText('selectPartition', key, partitionCount)} returned ${first}, then ${second}; a stateless router must repeat its answer`,
          );
        }
      }
    }
    return passed;
  });
}

/**
 * Checks, for stateless routers, that the same key and count give the same partition on every
 * call, with other keys routed in between, and from two separately created routers.
 */
export async function checkSameKeySamePartition(
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions = {},
): Promise<CheckOutcome> {
  if (options.stateful) return skipped('the router is stateful: its result depends on earlier calls');

  const other = await factory();
  try {
    return await withRouter(factory, options, async (router) => {
      await assertProperty(
        fc.property(
          fc.array(fc.tuple(streamKeyArbitrary(), partitionCountArbitrary), { minLength: 1, maxLength: 20 }),
          (calls) => {
            const first = calls.map(([key, count]) => router.selectPartition(key, count));
            const again = calls.map(([key, count]) => router.selectPartition(key, count));
            const fromOther = calls.map(([key, count]) => other.selectPartition(key, count));

            calls.forEach(([key, count], index) => {
              const text = callText('selectPartition', key, count);
              check(first[index] === again[index], `${text} returned ${first[index]}, then ${again[index]} on a later call`);
              check(
                first[index] === fromOther[index],
                `${text} returned ${first[index]} from one router and ${fromOther[index]} from another created by the same factory`,
              );
            });
          },
        ),
        { numRuns: options.propertyRuns ?? 200 },
      );
      return passed;
    });
  } finally {
    await options.cleanup?.(other);
  }
}

/**
 * Checks `previewPartition`, when the router has it: it changes no state (two previews agree)
 * and returns what the following `selectPartition` returns, over random call sequences.
 */
export async function checkPreviewMatchesSelect(
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions = {},
): Promise<CheckOutcome> {
  return withRouter(factory, options, async (router) => {
    const preview = router.previewPartition?.bind(router);
    if (!preview) return skipped('the router has no previewPartition');

    await assertProperty(
      fc.property(
        fc.array(fc.tuple(streamKeyArbitrary(8), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 50 }),
        (calls) => {
          for (const [key, count] of calls) {
            const text = callText('previewPartition', key, count);
            const previewed = preview(key, count);
            const previewedAgain = preview(key, count);
            check(previewed === previewedAgain, `${text} returned ${previewed}, then ${previewedAgain}: a preview must not change state`);

            const selected = router.selectPartition(key, count);
            check(
              previewed === selected,
              `${text} returned ${previewed}, but the following selectPartition returned ${selected}`,
            );
          }
        },
      ),
      { numRuns: options.propertyRuns ?? 200 },
    );
    return passed;
  });
}

/** Script run by the child process: reads a request on stdin, writes the partitions as JSON. */
const CHILD_SCRIPT = `${READ_REQUEST_AND_IMPORT}const source = imported[request.exportName];
let router;
if (source !== null && typeof source === 'object' && typeof source.selectPartition === 'function') {
  router = source;
} else if (typeof source === 'function') {
  const isClass = /^class[\\s{]/.test(Function.prototype.toString.call(source));
  router = isClass ? new source() : await source();
} else {
  throw new Error('export ' + JSON.stringify(request.exportName) + ' of ' + request.moduleUrl + ' is not a router, a router class or a factory function');
}
const partitions = request.cases.map(([key, count]) => router.selectPartition(key, count));
process.stdout.write(JSON.stringify(partitions));
`;

/** Runs {@link CHILD_SCRIPT} in a new Node process and resolves with its partitions. */
function routeInChildProcess(
  source: CrossProcessRouterSource,
  cases: readonly (readonly [string, number])[],
): Promise<number[]> {
  // JSON.stringify escapes lone surrogates (\\ud800), so they survive the trip intact.
  const request = JSON.stringify({ moduleUrl: String(source.moduleUrl), exportName: source.exportName, cases });
  return runNodeScript(CHILD_SCRIPT, request, source.timeoutMs ?? 30_000, {
    process: 'The child process that routes keys',
    timeoutAdvice: 'raise crossProcess.timeoutMs if the router is slow to load',
    output: 'JSON array of partitions',
  }) as Promise<number[]>;
}

/**
 * Checks that a child Node process routes a fixed set of keys to the same partitions as this
 * process. The child builds the router from `options.crossProcess`. The keys are the edge cases
 * and 300 random ones, each with several counts. Catches routers that hash with a per-process
 * seed or depend on process state. Skipped for stateful routers and without `crossProcess`.
 */
export async function checkSameAnswerAcrossProcesses(
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions = {},
): Promise<CheckOutcome> {
  if (options.stateful) return skipped('the router is stateful: its result depends on earlier calls');
  const source = options.crossProcess;
  if (!source) return skipped('no crossProcess option names a module a child process can import');

  return withRouter(factory, options, async (router) => {
    // A fixed seed gives the same keys on every run, so a failure reproduces.
    const randomKeys = fc.sample(streamKeyArbitrary(), { numRuns: 300, seed: 20_260_101 });
    const cases: [string, number][] = [];
    for (const key of [...edgeCaseStreamKeys, ...randomKeys, 'x'.repeat(10_000)]) {
      for (const count of [1, 2, 3, 10, 16, 1000, 2 ** 31 - 1]) cases.push([key, count]);
    }

    const childPartitions = await routeInChildProcess(source, cases);
    check(
      Array.isArray(childPartitions) && childPartitions.length === cases.length,
      `The child process returned ${childPartitions.length} partitions for ${cases.length} keys`,
    );

    cases.forEach(([key, count], index) => {
      const inThisProcess = router.selectPartition(key, count);
      check(
        inThisProcess === childPartitions[index],
        `${callText('selectPartition', key, count)} returned ${inThisProcess} in this process and ${show(childPartitions[index])} in a child process`,
      );
    });
    return passed;
  });
}

/**
 * Every check of the partition router contract, in the order {@link describePartitionRouterContract}
 * registers them. Run one directly to prove that it catches a broken router.
 */
export const partitionRouterChecks: readonly PartitionRouterCheck[] = [
  { name: 'returns an integer in [0, partitionCount)', run: checkPartitionInRange },
  { name: 'rejects a partitionCount that is not a positive integer', run: checkRejectsInvalidPartitionCount },
  { name: 'rejects a streamKey that is not a string', run: checkRejectsNonStringKey },
  { name: 'routes empty, Unicode and 1 MiB keys', run: checkEdgeCaseKeys },
  { name: 'returns the same partition for the same key', run: checkSameKeySamePartition },
  { name: 'previews what selectPartition returns next', run: checkPreviewMatchesSelect },
  { name: 'returns the same partitions in another process', run: checkSameAnswerAcrossProcesses },
];

/**
 * Registers a Vitest suite that proves `factory`'s routers meet the `PartitionRouter`
 * contract: one test per entry of {@link partitionRouterChecks}. A check that does not apply
 * (no preview, stateful router, no cross-process module) is reported as skipped with the reason.
 *
 * @example
 * ```ts
 * describePartitionRouterContract('HashPartitionRouter', () => new HashPartitionRouter(), {
 *   crossProcess: { moduleUrl: new URL('../dist/index.js', import.meta.url), exportName: 'HashPartitionRouter' },
 * });
 * ```
 *
 * @throws TypeError when `factory` is not a function or `options.crossProcess` lacks a module URL or export name.
 */
export function describePartitionRouterContract(
  name: string,
  factory: PartitionRouterFactory,
  options: PartitionRouterContractOptions = {},
): void {
  if (typeof factory !== 'function') {
    throw new TypeError(`factory must be a function that returns a PartitionRouter; received ${show(factory)}`);
  }
  const source = options.crossProcess;
  if (source && (source.moduleUrl === '' || typeof source.exportName !== 'string' || source.exportName === '')) {
    throw new TypeError('crossProcess needs a moduleUrl and a non-empty exportName, for example { moduleUrl: new URL(\'../dist/index.js\', import.meta.url), exportName: \'MyRouter\' }');
  }

  describe(`${name} meets the PartitionRouter contract`, () => {
    for (const contractCheck of partitionRouterChecks) {
      it(contractCheck.name, { timeout: options.testTimeoutMs ?? 60_000 }, async (context) => {
        const outcome = await contractCheck.run(factory, options);
        if (outcome.status === 'skipped') context.skip(outcome.reason);
      });
    }
  });
}
