import { captureCallSite, recordHop, type HopInit } from '@whizbang/observability';

import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import type { BenchItem } from '../harness/types.js';

/** Frames of benchmark code below each capture, as in a handler called through a few layers. */
const CALL_DEPTH = 12;

const HOP: HopInit = { topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17, executionStrategy: 'serial' };

/** Calls `leaf` from inside `depth` nested frames, the leaf's own frame included. */
function atDepth(depth: number, leaf: () => unknown): unknown {
  return depth <= 1 ? leaf() : atDepth(depth - 1, leaf);
}

function hopLeaf(): unknown {
  return recordHop(HOP);
}

function captureLeaf(): unknown {
  return captureCallSite();
}

function errorLeaf(): unknown {
  return new Error('benchmark');
}

function countFrames(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error('count').stack ?? '';
  Error.stackTraceLimit = limit;
  return stack.split('\n').length - 1;
}

/**
 * Caller capture: `recordHop` without a caller, which captures the position of the code that
 * called it, against `new Error()` (which captures `Error.stackTraceLimit` frames, 10 by
 * default) at the same depth.
 */
export const callerCapture: BenchItem = {
  name: 'caller-capture',
  packages: ['observability'],
  title: `caller capture (recordHop) at call depth ${CALL_DEPTH}`,

  async run(mode) {
    // The baseline is only meaningful with the default limit, and the depth only when the
    // stack really is that deep.
    if (Error.stackTraceLimit !== 10) throw new Error(`Error.stackTraceLimit is ${Error.stackTraceLimit}; run without changing it (default 10).`);
    const frames = atDepth(CALL_DEPTH, countFrames) as number;
    if (frames < CALL_DEPTH) throw new Error(`Only ${frames} frames at the capture point; expected at least ${CALL_DEPTH}.`);

    const hop = atDepth(CALL_DEPTH, hopLeaf) as ReturnType<typeof recordHop>;
    if (hop.caller.functionName !== 'hopLeaf') {
      throw new Error(`recordHop captured ${String(hop.caller.functionName)} instead of its caller hopLeaf.`);
    }

    const comparison = await compareCandidates(
      [
        { name: 'recordHop', role: 'item', run: () => atDepth(CALL_DEPTH, hopLeaf) },
        { name: 'captureCallSite()', role: 'item', run: () => atDepth(CALL_DEPTH, captureLeaf) },
        { name: 'new Error()', role: 'baseline', run: () => atDepth(CALL_DEPTH, errorLeaf) },
      ],
      comparisonSettings(mode, 'short'),
    );

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      targets: [{ kind: 'cost', item: 'recordHop', baseline: 'new Error()', max: 0.35 }],
      notes: [`${frames} frames on the stack at the capture point (${CALL_DEPTH} of them benchmark code).`],
    });
  },
};
