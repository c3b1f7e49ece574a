import { InMemoryTraceStore } from '@whizbang/observability';
import { createPolicies } from '@whizbang/policies';
import { createDispatcher } from '@whizbang/streams';
import { concatMap, from, groupBy, mergeMap } from 'rxjs';

import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import { handleNothing, runAll } from '../harness/run-all.js';
import type { BenchItem, Candidate } from '../harness/types.js';

const MESSAGES = 10_000;
const STREAMS = 100;
const PARTITIONS = 4;

interface OrderPlaced {
  readonly type: 'OrderPlaced';
  readonly orderId: string;
}

function createDispatcherRun(captureCallers: boolean, messages: readonly OrderPlaced[]): { run: () => Promise<void>; store: InMemoryTraceStore } {
  const policies = createPolicies<OrderPlaced>()
    .when('orders', (context) => context.message.type === 'OrderPlaced')
    .then((config) => config.useTopic('orders').useStream((context) => context.message.orderId).withPartitions(PARTITIONS));
  // The store keeps as many traces as one call dispatches, so it stays the same size from the
  // second call on, evicting one trace per new one.
  const store = new InMemoryTraceStore({ maxTraces: MESSAGES });
  const dispatcher = createDispatcher<OrderPlaced>({
    policies,
    handlers: { OrderPlaced: handleNothing },
    traceStore: store,
    tracing: false,
    captureCallers,
  });

  return {
    store,
    run: async () => {
      await runAll(MESSAGES, (index) => dispatcher.dispatch(messages[index] as OrderPlaced));
      // Traces are stored after each message settles; drain so they belong to this call.
      await dispatcher.drain();
    },
  };
}

/**
 * End-to-end dispatch of 10,000 messages over 100 streams: policy evaluation, routing to one of
 * 4 partitions, sequence numbers, the serial lane of each partition, a hop per message and the
 * trace in a bounded `InMemoryTraceStore`. Against a direct call of the handler and an RxJS
 * pipeline that does only the per-key ordering (`groupBy` + `concatMap`).
 */
export const endToEndDispatch: BenchItem = {
  name: 'end-to-end-dispatch',
  packages: ['streams'],
  title: 'end-to-end dispatch (policy → route → sequence → lane → in-memory trace)',

  async run(mode) {
    const messages: OrderPlaced[] = Array.from({ length: MESSAGES }, (_, index) => ({
      type: 'OrderPlaced',
      orderId: `order-${index % STREAMS}`,
    }));

    const plain = createDispatcherRun(false, messages);
    const capturing = createDispatcherRun(true, messages);

    await capturing.run();
    const stats = capturing.store.stats();
    if (stats.traces !== MESSAGES) throw new Error(`Expected ${MESSAGES} traces after one call; the store has ${stats.traces}.`);

    const direct = (): Promise<void> => runAll(MESSAGES, (index) => handleNothing(messages[index]));
    const rxjs = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        let handled = 0;
        from(messages)
          .pipe(
            groupBy((message) => message.orderId),
            mergeMap((stream) => stream.pipe(concatMap((message) => handleNothing(message)))),
          )
          .subscribe({
            next: () => {
              handled += 1;
            },
            error: reject,
            complete: () => {
              if (handled === MESSAGES) resolve();
              else reject(new Error(`The RxJS pipeline handled ${handled} of ${MESSAGES} messages.`));
            },
          });
      });

    const candidates: Candidate[] = [
      { name: 'dispatch', role: 'item', run: plain.run, messagesPerCall: MESSAGES },
      { name: 'dispatch + caller capture', role: 'item', run: capturing.run, messagesPerCall: MESSAGES },
      { name: 'direct handler call', role: 'baseline', run: direct, messagesPerCall: MESSAGES },
      { name: 'RxJS groupBy + concatMap', role: 'baseline', run: rxjs, messagesPerCall: MESSAGES },
    ];
    const comparison = await compareCandidates(candidates, comparisonSettings(mode, 'long'));

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      targets: [
        { kind: 'rate', item: 'dispatch', minPerSecond: 500_000 },
        { kind: 'rate', item: 'dispatch + caller capture', minPerSecond: 200_000 },
        { kind: 'speed', item: 'dispatch', baseline: 'RxJS groupBy + concatMap', min: 2 },
      ],
      notes: [
        'Dispatch is the default configuration with OpenTelemetry spans off; hops are recorded, callers captured only in the second row.',
      ],
    });
  },
};
