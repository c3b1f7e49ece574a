import { EventEmitter } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

import type { ExecutionMetrics } from '@whizbang/execution';

import { compareCandidates, comparisonSettings, withDifference } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import type { BenchItem, Candidate } from '../harness/types.js';
import { createSharedInput, startExecutor } from './message-runners.js';

const MESSAGES = 100_000;

/** Messages between two returns to the event loop, where the metrics timer can fire. */
const CHUNK = 10_000;

const handleNothingSync = (): undefined => undefined;

/**
 * Metrics cost per message: how much longer a serial executor takes per message while its
 * metrics stream is subscribed (snapshots every millisecond) than while it is not. The baseline
 * is one `EventEmitter.emit` with one listener, the per-message event an emitter-based design
 * would fire. Both runs return to the event loop every 10,000 messages, so snapshot timers fire.
 */
export const metricsCost: BenchItem = {
  name: 'metrics-cost',
  packages: ['execution'],
  title: 'metrics cost per message',

  async run(mode) {
    const { envelope, context } = createSharedInput();
    // One executor for both runs, so they share compiled code and differ only in the subscriber.
    const executor = await startExecutor(1, { metricsIntervalMs: 1 });

    // A synchronous handler runs inside execute(), so each message costs what the executor
    // itself does; the promises are dropped because nothing waits for them.
    const executeAll = async (): Promise<void> => {
      for (let start = 0; start < MESSAGES; start += CHUNK) {
        for (let index = 0; index < CHUNK; index++) void executor.execute(envelope, handleNothingSync, context);
        await yieldToEventLoop();
      }
    };

    let snapshots = 0;
    let lastSnapshot: ExecutionMetrics | undefined;
    const executeObserved = async (): Promise<void> => {
      const subscription = executor.metrics.subscribe((metrics) => {
        snapshots += 1;
        lastSnapshot = metrics;
      });
      await executeAll();
      subscription.unsubscribe();
    };

    const emitter = new EventEmitter();
    let emitted = 0;
    emitter.on('executed', () => {
      emitted += 1;
    });
    const emitAll = async (): Promise<void> => {
      for (let start = 0; start < MESSAGES; start += CHUNK) {
        for (let index = 0; index < CHUNK; index++) emitter.emit('executed', envelope);
        await yieldToEventLoop();
      }
    };

    // What measuring one handler call's duration costs at least: a clock read at its start and
    // one at its end. The sum is checked below, so the reads have an observable effect.
    let clockSum = 0;
    const readClockTwice = async (): Promise<void> => {
      for (let start = 0; start < MESSAGES; start += CHUNK) {
        for (let index = 0; index < CHUNK; index++) clockSum += performance.now() - performance.now();
        await yieldToEventLoop();
      }
    };

    const candidates: Candidate[] = [
      { name: 'executor, metrics subscribed', role: 'item', run: executeObserved, messagesPerCall: MESSAGES },
      { name: 'executor, no subscriber', role: 'item', run: executeAll, messagesPerCall: MESSAGES },
      { name: 'EventEmitter.emit', role: 'baseline', run: emitAll, messagesPerCall: MESSAGES },
      { name: 'performance.now() twice', role: 'baseline', run: readClockTwice, messagesPerCall: MESSAGES },
    ];
    // The difference of two similar times is small against their noise, so this item takes
    // three times the rounds of other long items and reports their spread.
    const settings = comparisonSettings(mode, 'long');
    const measured = await compareCandidates(candidates, { ...settings, rounds: settings.rounds * 3 });
    const comparison = withDifference(measured, 'metrics per message', 'executor, metrics subscribed', 'executor, no subscriber');

    if (snapshots === 0 || lastSnapshot === undefined || lastSnapshot.executed === 0 || emitted === 0) {
      throw new Error('The metrics stream emitted no snapshot with executed messages; the measurement would be empty.');
    }

    if (lastSnapshot.measured === 0 || !Number.isFinite(clockSum)) {
      throw new Error('The subscribed executor measured no handler duration, so the difference would not include it.');
    }

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      targets: [{ kind: 'difference', item: 'metrics per message', baseline: 'EventEmitter.emit', max: 1 }],
      notes: [
        `${snapshots.toLocaleString('en-US')} snapshots were emitted during the runs.`,
        'The executor counts every message (a few integer field updates) whether or not metrics are subscribed; ' +
          'those updates cannot be switched off, so they are in both executor runs and not in the difference.',
        'While metrics are subscribed the executor measures each handler call\'s duration for the snapshots, which reads ' +
          'performance.now() at the call\'s start and end; without a subscriber, hops or a timeout it reads no clock. ' +
          'The "performance.now() twice" row is that floor.',
      ],
    });
  },
};
