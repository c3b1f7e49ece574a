import type { Attributes } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  captureCallSite,
  createEnvelope,
  createMessageTrace,
  InMemoryTraceStore,
  recordHop,
  type CallSiteInfo,
  type MessageEnvelope,
  type TraceOutcome,
} from '@whizbang/observability';

import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import type { BenchItem } from '../harness/types.js';

const ROUTING = { topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17 };
const SUCCEEDED: TraceOutcome = Object.freeze({ status: 'succeeded' });
const CONFIGURATION = Object.freeze({ topic: 'orders', partitions: 4 });

/** The store keeps this many traces, so after the first calls every store also evicts one. */
const STORE_SIZE = 10_000;

interface HopInput {
  readonly envelope: MessageEnvelope<{ readonly type: string }>;
  readonly caller: CallSiteInfo;
}

function captureHere(): CallSiteInfo {
  return captureCallSite();
}

/**
 * Trace capture per hop: one decision on the trail, one hop with a call site (captured untimed,
 * resolved in the timed part), the trace snapshot and its write to a bounded
 * `InMemoryTraceStore`, against an OpenTelemetry SDK span (`BasicTracerProvider`, no span
 * processor) started with the same five routing attributes and ended.
 */
export const traceCapture: BenchItem = {
  name: 'trace-capture',
  packages: ['observability'],
  title: 'trace capture per hop (hop + trail + in-memory store)',

  async run(mode) {
    const store = new InMemoryTraceStore({ maxTraces: STORE_SIZE });
    const tracer = new BasicTracerProvider().getTracer('whizbang-benchmarks');
    const attributes: Attributes = {
      'messaging.destination.name': ROUTING.topic,
      'whizbang.stream_key': ROUTING.streamKey,
      'whizbang.partition': ROUTING.partitionIndex,
      'whizbang.sequence_number': ROUTING.sequenceNumber,
      'whizbang.execution_strategy': 'serial',
    };

    // A new envelope and call site per call: the trail and hop list grow with every call, and a
    // call site resolves once. Made outside the timed region.
    const prepare = (): HopInput => {
      const envelope = createEnvelope({ type: 'OrderPlaced' });
      envelope.setRouting(ROUTING);
      return { envelope, caller: captureHere() };
    };

    // The store's promise is kept, not returned: the dispatcher does not wait for it either,
    // and returning it would make mitata await every call. It settles in the same call, and a
    // rejection would surface as an unhandled rejection.
    let lastStore: Promise<void> = Promise.resolve();
    const captureTrace = ({ envelope, caller }: HopInput): void => {
      envelope.policyTrail.recordDecision('orders', 'isOrder', true, CONFIGURATION, 'predicate returned true');
      // A literal, as an executor builds it: on Node 20 a spread followed by more properties
      // ({ ...ROUTING, durationMs }) takes V8's slow path and costs more than the hop itself.
      const init = { topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 17, executionStrategy: 'serial', durationMs: 0.5 };
      envelope.addHop(recordHop(init, caller));
      lastStore = store.store(createMessageTrace(envelope, SUCCEEDED));
    };

    const span = (): void => {
      tracer.startSpan('orders process', { attributes }).end();
    };

    const check = prepare();
    captureTrace(check);
    await lastStore;
    const stored = await store.getByMessageId(check.envelope.messageId);
    if (stored?.hops.length !== 1 || stored.decisions.length !== 1 || stored.hops[0]?.caller.origin === 'unknown') {
      throw new Error('The trace capture stored an incomplete trace.');
    }

    const comparison = await compareCandidates(
      [
        { name: 'hop + trail + store', role: 'item', setup: prepare, run: captureTrace },
        { name: 'OpenTelemetry span', role: 'baseline', run: span },
      ],
      comparisonSettings(mode, 'short'),
    );
    await lastStore;

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      targets: [{ kind: 'cost', item: 'hop + trail + store', baseline: 'OpenTelemetry span', max: 0.3 }],
      notes: [
        `The store holds at most ${STORE_SIZE.toLocaleString('en-US')} traces, so each store also evicts the oldest.`,
        'Caller capture is not in this item (see caller-capture); resolving the captured call site is.',
      ],
    });
  },
};
