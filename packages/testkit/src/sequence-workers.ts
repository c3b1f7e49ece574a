import type { SequenceProvider } from '@whizbang/observability';

import { READ_REQUEST_AND_IMPORT, runNodeScript } from './node-script.js';

/**
 * Result of a worker module's factory in the child process: the provider under test and how to
 * release it once the loops are done.
 */
export interface SequenceWorkerProvider {
  /** Provider whose `getNext` the loops call. */
  readonly provider: SequenceProvider;

  /** Closes the provider and whatever it uses (a pool, a floor). May be async. Default: nothing. */
  readonly close?: () => unknown;
}

/** Options of {@link runSequenceWorkers}. */
export interface SequenceWorkerOptions {
  /**
   * URL of the ES module that builds the provider in each child process, for example
   * `new URL('./fixtures/sequence-worker.mjs', import.meta.url)`. Plain Node must be able to
   * import it (built JavaScript, not TypeScript source).
   */
  readonly moduleUrl: string | URL;

  /**
   * Name of the module's export that builds the provider: a function that takes
   * {@link settings} and returns (or resolves to) a {@link SequenceWorkerProvider}.
   */
  readonly exportName: string;

  /** Value passed to the factory, sent to the child as JSON. Default: null. */
  readonly settings?: unknown;

  /** Stream every loop draws numbers from. */
  readonly streamKey: string;

  /** Child processes to start at once. Range 1 to 64. */
  readonly processes: number;

  /** Concurrent loops in each child process. Range 1 to 1,000. */
  readonly loopsPerProcess: number;

  /** Sequential `getNext` calls of each loop. Range 1 to 10,000,000. */
  readonly callsPerLoop: number;

  /** Milliseconds each child process may run before it is killed. Default 120,000. */
  readonly timeoutMs?: number;
}

/** How many numbers the callers received, how many were distinct, and how many broke a caller's order. */
export interface CallerNumberCounts {
  /** Numbers received, over all callers. */
  readonly total: number;

  /** Distinct numbers received, over all callers: equal to `total` when none was handed out twice. */
  readonly distinct: number;

  /** Numbers not greater than the same caller's previous number: 0 when each caller's numbers increase. */
  readonly unordered: number;
}

// Runs in each child process: builds the provider, runs the loops and prints every loop's numbers.
const CHILD_SCRIPT = `${READ_REQUEST_AND_IMPORT}const factory = imported[request.exportName];
if (typeof factory !== 'function') {
  throw new Error('export ' + JSON.stringify(request.exportName) + ' of ' + request.moduleUrl + ' is not a function that builds a provider');
}
const { provider, close } = await factory(request.settings);
async function loop() {
  const numbers = [];
  for (let call = 0; call < request.callsPerLoop; call++) numbers.push(await provider.getNext(request.streamKey));
  return numbers;
}
try {
  const results = await Promise.all(Array.from({ length: request.loopsPerProcess }, loop));
  process.stdout.write(JSON.stringify(results));
} finally {
  await close?.();
}
`;

/**
 * Starts `processes` child Node processes that each run `loopsPerProcess` concurrent loops of
 * `callsPerLoop` sequential `getNext(streamKey)` calls on their own provider, and resolves with
 * every loop's numbers in call order: `processes × loopsPerProcess` arrays. Pass them to
 * {@link countCallerNumbers} to prove that no number was handed out twice across processes.
 *
 * @throws TypeError or RangeError (synchronously) when an option is missing or out of range.
 * @throws Error (by rejecting) naming the child's exit code and standard error when a child
 *   fails or runs longer than `timeoutMs`.
 *
 * @example
 * ```ts
 * const callers = await runSequenceWorkers({
 *   moduleUrl: new URL('./fixtures/sequence-worker.mjs', import.meta.url),
 *   exportName: 'createProvider',
 *   settings: { connectionString },
 *   streamKey: 'shared-stream',
 *   processes: 2,
 *   loopsPerProcess: 4,
 *   callsPerLoop: 10_000,
 * });
 * expect(countCallerNumbers(callers)).toEqual({ total: 80_000, distinct: 80_000, unordered: 0 });
 * ```
 */
export function runSequenceWorkers(options: SequenceWorkerOptions): Promise<number[][]> {
  checkOptions(options);

  const request = JSON.stringify({
    moduleUrl: String(options.moduleUrl),
    exportName: options.exportName,
    settings: options.settings ?? null,
    streamKey: options.streamKey,
    loopsPerProcess: options.loopsPerProcess,
    callsPerLoop: options.callsPerLoop,
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const children = Array.from({ length: options.processes }, (_, index) =>
    runNodeScript(CHILD_SCRIPT, request, timeoutMs, {
      process: `Sequence worker process ${index}`,
      timeoutAdvice: 'raise timeoutMs or lower callsPerLoop',
      output: 'JSON array of numbers',
    }),
  );
  return Promise.all(children).then((results) => (results as number[][][]).flat());
}

/**
 * Counts the numbers that `callers` received (one array per caller, in call order): in all,
 * distinct, and out of order within their caller.
 *
 * @example
 * ```ts
 * countCallerNumbers([[1, 3], [2, 4]]); // { total: 4, distinct: 4, unordered: 0 }
 * ```
 */
export function countCallerNumbers(callers: readonly (readonly number[])[]): CallerNumberCounts {
  const seen = new Set<number>();
  let total = 0;
  let unordered = 0;
  for (const numbers of callers) {
    for (let index = 0; index < numbers.length; index++) {
      const value = numbers[index]!;
      if (index > 0 && value <= numbers[index - 1]!) unordered++;
      seen.add(value);
      total++;
    }
  }
  return { total, distinct: seen.size, unordered };
}

function checkOptions(options: SequenceWorkerOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object with moduleUrl, exportName, streamKey, processes, loopsPerProcess and callsPerLoop.');
  }
  if (String(options.moduleUrl ?? '') === '' || typeof options.exportName !== 'string' || options.exportName === '') {
    throw new TypeError(
      "options.moduleUrl and options.exportName must name the module and export that build the provider, for example { moduleUrl: new URL('./fixtures/worker.mjs', import.meta.url), exportName: 'createProvider' }.",
    );
  }
  if (typeof options.streamKey !== 'string') {
    throw new TypeError(`options.streamKey must be a string, received ${typeof options.streamKey}.`);
  }
  checkCount('processes', options.processes, 64);
  checkCount('loopsPerProcess', options.loopsPerProcess, 1_000);
  checkCount('callsPerLoop', options.callsPerLoop, 10_000_000);
  if (options.timeoutMs !== undefined) checkCount('timeoutMs', options.timeoutMs, 3_600_000);
}

function checkCount(name: string, value: unknown, max: number): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw new RangeError(`options.${name} must be an integer from 1 to ${max.toLocaleString('en-US')}, received ${String(value)}.`);
  }
}
