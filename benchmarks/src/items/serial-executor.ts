import { handleNothing, runAll } from '../harness/run-all.js';
import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import type { BenchItem, Candidate } from '../harness/types.js';
import {
  createFreshInputs,
  executorOneByOne,
  executorRun,
  fastqOneByOne,
  fastqRun,
  minimalQueueOneByOne,
  minimalQueueRun,
  pQueueOneByOne,
  pQueueRun,
  rawLoopRun,
  startExecutor,
  type MessageRun,
} from './message-runners.js';

const MESSAGES = 100_000;

const withCount = (run: MessageRun) => (): Promise<void> => run(MESSAGES);

/**
 * The serial executor running 100,000 no-op messages (an async handler that returns at once),
 * every caller waiting for its message's promise, against a raw `for … await` loop, fastq and
 * p-queue with concurrency 1: all submitted at once, and one by one. The target variants record
 * no hops, as the baselines record nothing; the hop variants show what hops and caller capture
 * add.
 */
export const serialExecutor: BenchItem = {
  name: 'serial-executor',
  packages: ['execution'],
  title: `serial executor, ${MESSAGES.toLocaleString('en-US')} no-op messages`,

  async run(mode) {
    const executor = await startExecutor(1);
    const plain = executorRun(executor);
    const withHops = await startExecutor(1, { recordHops: true, captureCallers: false });
    const withCallers = await startExecutor(1, { recordHops: true, captureCallers: true });

    // Hops accumulate on their envelope, so the hop variants get new envelopes for every call.
    const freshInputs = (): ReturnType<typeof createFreshInputs> => createFreshInputs(MESSAGES);
    const runFresh =
      (executor: typeof withHops) =>
      (inputs: ReturnType<typeof createFreshInputs>): Promise<void> =>
        runAll(MESSAGES, (index) => {
          const input = inputs[index] as (typeof inputs)[number];
          return executor.execute(input.envelope, handleNothing, input.context);
        });

    const candidates: Candidate[] = [
      { name: 'SerialExecutor', role: 'item', run: () => plain(MESSAGES), messagesPerCall: MESSAGES },
      { name: 'SerialExecutor, one by one', role: 'item', run: withCount(executorOneByOne(executor)), messagesPerCall: MESSAGES },
      { name: 'SerialExecutor + hops', role: 'item', setup: freshInputs, run: runFresh(withHops), messagesPerCall: MESSAGES },
      { name: 'SerialExecutor + hops + callers', role: 'item', setup: freshInputs, run: runFresh(withCallers), messagesPerCall: MESSAGES },
      { name: 'raw for-await loop', role: 'baseline', run: withCount(rawLoopRun()), messagesPerCall: MESSAGES },
      { name: 'fastq', role: 'baseline', run: withCount(fastqRun(1)), messagesPerCall: MESSAGES },
      { name: 'p-queue', role: 'baseline', run: withCount(pQueueRun(1)), messagesPerCall: MESSAGES },
      { name: 'fastq, one by one', role: 'baseline', run: withCount(fastqOneByOne()), messagesPerCall: MESSAGES },
      { name: 'p-queue, one by one', role: 'baseline', run: withCount(pQueueOneByOne()), messagesPerCall: MESSAGES },
      { name: 'minimal promise queue', role: 'baseline', run: withCount(minimalQueueRun(1)), messagesPerCall: MESSAGES },
      {
        name: 'minimal promise queue, one by one',
        role: 'baseline',
        run: withCount(minimalQueueOneByOne()),
        messagesPerCall: MESSAGES,
      },
    ];

    const comparison = await compareCandidates(candidates, comparisonSettings(mode, 'long'));

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      targets: [
        { kind: 'speed', item: 'SerialExecutor', baseline: 'fastq', min: 5 },
        { kind: 'speed', item: 'SerialExecutor, one by one', baseline: 'fastq, one by one', min: 5 },
        { kind: 'speed', item: 'SerialExecutor, one by one', baseline: 'raw for-await loop', min: 0.2 },
      ],
      notes: [
        'Every library is given the same async no-op handler, and every message promise gets one reaction.',
        'Rows without "one by one" submit all 100,000 messages at once and wait for all; "one by one" awaits each message before submitting the next, as the raw loop does.',
        'The minimal promise queue is the floor of any queue that gives each caller a promise of its own: one record and one promise with its resolving functions per message, a FIFO list, and one reaction on the handler\'s promise, with no checks, lifecycle, timeouts or metrics.',
      ],
    });
  },
};
