import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import type { BenchItem, Candidate } from '../harness/types.js';
import { executorRun, fastqRun, minimalQueueRun, pLimitRun, pQueueRun, startExecutor, type MessageRun } from './message-runners.js';

const MESSAGES = 100_000;
const CONCURRENCY = 16;

const withCount = (run: MessageRun) => (): Promise<void> => run(MESSAGES);

/**
 * The parallel executor at concurrency 16 running 100,000 no-op messages, every caller waiting
 * for its message's promise, against fastq, p-limit and p-queue at the same concurrency.
 */
export const parallelExecutor: BenchItem = {
  name: 'parallel-executor',
  packages: ['execution'],
  title: `parallel executor, concurrency ${CONCURRENCY}, ${MESSAGES.toLocaleString('en-US')} messages`,

  async run(mode) {
    const executor = executorRun(await startExecutor(CONCURRENCY));

    const candidates: Candidate[] = [
      { name: 'ParallelExecutor', role: 'item', run: () => executor(MESSAGES), messagesPerCall: MESSAGES },
      { name: 'fastq', role: 'baseline', run: withCount(fastqRun(CONCURRENCY)), messagesPerCall: MESSAGES },
      { name: 'p-limit', role: 'baseline', run: withCount(pLimitRun(CONCURRENCY)), messagesPerCall: MESSAGES },
      { name: 'p-queue', role: 'baseline', run: withCount(pQueueRun(CONCURRENCY)), messagesPerCall: MESSAGES },
      { name: 'minimal promise queue', role: 'baseline', run: withCount(minimalQueueRun(CONCURRENCY)), messagesPerCall: MESSAGES },
    ];
    const comparison = await compareCandidates(candidates, comparisonSettings(mode, 'long'));

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      targets: [{ kind: 'speed', item: 'ParallelExecutor', baseline: 'fastq', min: 3 }],
      notes: [
        'Hops are off, as the baselines record nothing.',
        'The minimal promise queue is the floor of any queue that gives each caller a promise of its own (see serial-executor).',
      ],
    });
  },
};
