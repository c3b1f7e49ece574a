import { getHeapStatistics } from 'node:v8';

import { collectGarbage } from './expose-gc.js';

/** Calls of `fn` between two heap readings; small enough that one chunk rarely triggers a scavenge. */
const CALLS_PER_CHUNK = 10_000;
const CHUNKS = 15;

let sink = 0;

/**
 * Measures the bytes `fn` allocates per call: the growth of V8's used heap size over a chunk
 * of calls, after a full collection, divided by the calls. The result is the median over
 * several chunks minus the same measurement of an empty function, so the loop's own cost (and
 * the heap reading itself) is not counted. A chunk in which a scavenge ran shows less growth than
 * it allocated, so chunks that shrank the heap are left out.
 *
 * `fn` must return a number or an object; numbers are summed and objects counted so that the
 * call cannot be optimised away.
 */
export function measureBytesPerCall(fn: () => unknown): number {
  return Math.max(0, medianGrowth(fn) - medianGrowth(emptyCall));
}

function emptyCall(): number {
  return 1;
}

function medianGrowth(fn: () => unknown): number {
  // Warm-up, so that compiling `fn` and the loop is not counted.
  runChunk(fn);
  runChunk(fn);

  const growth: number[] = [];
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    collectGarbage();
    const before = getHeapStatistics().used_heap_size;
    runChunk(fn);
    const after = getHeapStatistics().used_heap_size;
    if (after >= before) growth.push((after - before) / CALLS_PER_CHUNK);
  }

  if (growth.length === 0) return Number.NaN;
  growth.sort((a, b) => a - b);
  return growth[Math.floor(growth.length / 2)] as number;
}

function runChunk(fn: () => unknown): void {
  let total = 0;
  for (let call = 0; call < CALLS_PER_CHUNK; call++) {
    const result = fn();
    total = (total + (typeof result === 'number' ? result : 1)) | 0;
  }
  sink = (sink + total) | 0;
}

/** Keeps the summed results observable, so no call above is dead code. */
export function allocationSink(): number {
  return sink;
}
