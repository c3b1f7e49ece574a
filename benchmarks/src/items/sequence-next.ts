import { InMemorySequenceProvider } from '@whizbang/sequencing';

import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult, measureAllocations } from '../harness/item-result.js';
import type { BenchItem } from '../harness/types.js';

/** Existing streams the calls cycle through; a power of two for cheap wrap-around. */
const STREAM_COUNT = 1024;

/**
 * Next sequence number of an existing stream from `InMemorySequenceProvider`, synchronous and
 * asynchronous, against the plainest counter map: `map.set(k, (map.get(k) ?? 0) + 1)`.
 */
export const sequenceNext: BenchItem = {
  name: 'sequence-next',
  packages: ['sequencing'],
  title: 'sequence next, in-memory, existing stream',

  async run(mode) {
    const keys = Array.from({ length: STREAM_COUNT }, (_, index) => `order-${index.toString().padStart(8, '0')}`);
    const provider = new InMemorySequenceProvider();
    const counters = new Map<string, number>();

    // Every stream exists before timing starts, so no call creates one.
    for (const key of keys) {
      provider.getNextSync(key);
      counters.set(key, 1);
    }

    let next = 0;
    let nextAsync = 0;
    let nextMap = 0;
    const getNextSync = (): number => provider.getNextSync(keys[(next = (next + 1) & (STREAM_COUNT - 1))] as string);
    const getNext = (): Promise<number> => provider.getNext(keys[(nextAsync = (nextAsync + 1) & (STREAM_COUNT - 1))] as string);
    const mapIncrement = (): number => {
      const key = keys[(nextMap = (nextMap + 1) & (STREAM_COUNT - 1))] as string;
      const value = (counters.get(key) ?? 0) + 1;
      counters.set(key, value);
      return value;
    };

    const comparison = await compareCandidates(
      [
        { name: 'getNextSync', role: 'item', run: getNextSync },
        { name: 'await getNext', role: 'item', run: getNext },
        { name: 'Map get + set', role: 'baseline', run: mapIncrement },
      ],
      comparisonSettings(mode, 'short'),
    );
    const allocations = measureAllocations({ getNextSync, 'Map get + set': mapIncrement });

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      allocations,
      targets: [
        { kind: 'cost', item: 'getNextSync', baseline: 'Map get + set', max: 2 },
        { kind: 'allocation', item: 'getNextSync', maxBytes: 0 },
      ],
      notes: ['`await getNext` is reported without a target: its time is mostly the promise and the await.'],
    });
  },
};
