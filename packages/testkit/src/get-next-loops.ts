import type { SequenceProvider } from '@whizbang/observability';

/** Numbers, errors and slowest call of one loop of {@link startGetNextLoops} so far. */
export interface GetNextLoopResult {
  /** Numbers the loop received, in call order. */
  readonly numbers: number[];

  /** Errors the loop's calls rejected with, in call order. */
  readonly errors: unknown[];

  /** Maximum time one call took to settle, in milliseconds. */
  maxCallMs: number;
}

/** Loops started by {@link startGetNextLoops}. */
export interface GetNextLoops {
  /** One result per loop, updated while the loops run. */
  readonly results: readonly GetNextLoopResult[];

  /** Numbers received so far, over all loops. */
  numberCount(): number;

  /** Errors received so far, over all loops. */
  errorCount(): number;

  /** Lets every loop finish its current call, then resolves. */
  stop(): Promise<void>;
}

/**
 * Starts `loops` concurrent loops that call `provider.getNext(streamKey)` until `stop()` is
 * called, recording every number, every error and the slowest call. For tests that break the
 * provider's connection while it is in use: a loop goes on after an error, and yields to the
 * event loop first, because a refused connection fails at once and would otherwise spin it.
 *
 * @throws TypeError when `provider` has no `getNext` method or `streamKey` is not a string.
 * @throws RangeError when `loops` is not an integer from 1 to 1,000.
 *
 * @example
 * ```ts
 * const loops = startGetNextLoops(provider, 'order-42', 4);
 * await vi.waitFor(() => expect(loops.numberCount()).toBeGreaterThan(200));
 * await loops.stop();
 * ```
 */
export function startGetNextLoops(provider: SequenceProvider, streamKey: string, loops: number): GetNextLoops {
  if (typeof (provider as Partial<SequenceProvider> | null)?.getNext !== 'function') {
    throw new TypeError('provider must be a SequenceProvider with a getNext method.');
  }
  if (typeof streamKey !== 'string') {
    throw new TypeError(`streamKey must be a string, received ${typeof streamKey}.`);
  }
  if (!Number.isSafeInteger(loops) || loops < 1 || loops > 1_000) {
    throw new RangeError(`loops must be an integer from 1 to 1,000, received ${String(loops)}.`);
  }

  let stopped = false;
  const results: GetNextLoopResult[] = [];
  const done = Promise.all(
    Array.from({ length: loops }, async () => {
      const result: GetNextLoopResult = { numbers: [], errors: [], maxCallMs: 0 };
      results.push(result);
      while (!stopped) {
        const started = performance.now();
        try {
          result.numbers.push(await provider.getNext(streamKey));
        } catch (error) {
          result.errors.push(error);
          await new Promise((resolve) => setImmediate(resolve));
        }
        result.maxCallMs = Math.max(result.maxCallMs, performance.now() - started);
      }
    }),
  );
  const count = (pick: (result: GetNextLoopResult) => number): number => results.reduce((sum, result) => sum + pick(result), 0);

  return {
    results,
    numberCount: () => count((result) => result.numbers.length),
    errorCount: () => count((result) => result.errors.length),
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}
