import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import type { BenchItem, Candidate } from '../harness/types.js';
import { cockatielRun, executorRun, minimalQueueRun, startExecutor, type MessageRun } from './message-runners.js';

const SLOTS = 16;
const QUEUE = 1_000;

/** One burst fills every slot and every queue place, so every message goes through admission and nothing is rejected. */
const BURST = SLOTS + QUEUE;

const withBurst = (run: MessageRun) => (): Promise<void> => run(BURST);

/**
 * Bulkhead admission: a burst of messages into 16 slots and a queue of 1,000 (a
 * `ParallelExecutor` with `maxConcurrency` and `maxQueue`), against cockatiel's bulkhead with
 * the same limits.
 */
export const bulkheadAdmission: BenchItem = {
  name: 'bulkhead-admission',
  packages: ['execution'],
  title: `bulkhead admission (${SLOTS} slots, queue ${QUEUE.toLocaleString('en-US')})`,

  async run(mode) {
    const executor = executorRun(await startExecutor(SLOTS, { maxQueue: QUEUE }));

    const candidates: Candidate[] = [
      { name: 'ParallelExecutor bulkhead', role: 'item', run: () => executor(BURST), messagesPerCall: BURST },
      { name: 'cockatiel bulkhead', role: 'baseline', run: withBurst(cockatielRun(SLOTS, QUEUE)), messagesPerCall: BURST },
      { name: 'minimal promise queue', role: 'baseline', run: withBurst(minimalQueueRun(SLOTS)), messagesPerCall: BURST },
    ];
    const comparison = await compareCandidates(candidates, comparisonSettings(mode, 'short'));

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      targets: [{ kind: 'speed', item: 'ParallelExecutor bulkhead', baseline: 'cockatiel bulkhead', min: 10 }],
      notes: [
        `Each call is a burst of ${BURST.toLocaleString('en-US')} messages (all slots and queue places); the time is per message.`,
        'The minimal promise queue (16 slots, no queue limit) is the floor of any queue that gives each caller a promise of its own (see serial-executor).',
      ],
    });
  },
};
