import {
  callSiteFromPosition,
  causationIdOf,
  createEnvelope,
  createMessageTrace,
  recordHop,
  type CallSiteInfo,
  type Clock,
  type MessageTrace,
  type TraceOutcome,
  UNKNOWN_CALLER,
} from '@whizbang/observability';

/** Options of one trace built by {@link TraceFixtures}. */
export interface TraceFixtureOptions {
  /** Envelope time as an offset in milliseconds from the fixtures' base time. Default 0. */
  readonly at?: number;

  /** Hop times as offsets in milliseconds from the base time, in recorded order. Default `[at]`. */
  readonly hopsAt?: readonly number[];

  /** Outcome of the trace. Default `{ status: 'succeeded' }`. */
  readonly outcome?: TraceOutcome;

  /** Whether the trace keeps a payload. Default true. */
  readonly withPayload?: boolean;

  /** Whether the envelope gets routing, decisions and a traceparent. Default true. */
  readonly routed?: boolean;
}

/**
 * Builder of realistic traces for the trace store contract: each goes through `createEnvelope`,
 * `recordHop` and `createMessageTrace`, like the traces an application stores.
 *
 * Times are offsets from `baseTime`, a random instant between the years 2200 and 2231 chosen per
 * builder. A store that keeps traces from earlier runs then still returns only the new run's
 * traces from the new run's time-range queries.
 */
export interface TraceFixtures {
  /** Envelope time of offset 0, in milliseconds since the Unix epoch. */
  readonly baseTime: number;

  /** Builds the first trace of a new workflow. */
  root(options?: TraceFixtureOptions): MessageTrace;

  /** Builds a trace caused by `parent`, in the same workflow. */
  child(parent: MessageTrace, options?: TraceFixtureOptions): MessageTrace;
}

const FAR_FUTURE = Date.UTC(2200, 0, 1);
const RANDOM_SPAN_MS = 1e12;

// A resolved caller and one whose position is unknown, so stores round-trip nulls in callers too.
const KNOWN_CALLER: CallSiteInfo = callSiteFromPosition({
  functionName: 'placeOrder',
  filePath: '/srv/shop/src/orders/place-order.ts',
  relativePath: 'src/orders/place-order.ts',
  line: 42,
  column: 7,
  origin: 'source-map',
});

/** Creates a {@link TraceFixtures} builder with a new random base time. */
export function createTraceFixtures(): TraceFixtures {
  const baseTime = FAR_FUTURE + Math.floor(Math.random() * RANDOM_SPAN_MS);
  let counter = 0;

  const build = (parent: MessageTrace | undefined, options: TraceFixtureOptions = {}): MessageTrace => {
    const at = options.at ?? 0;
    let now = baseTime + at;
    const clock: Clock = { now: () => now };
    counter++;

    const envelope = createEnvelope(
      { type: 'OrderPlaced', orderId: `order-${counter}`, lines: [{ sku: 'sku-1', quantity: 2 }], note: null },
      {
        clock,
        ...(parent === undefined
          ? {}
          : { correlationId: parent.correlationId, causationId: causationIdOf(parent.messageId) }),
      },
    );

    if (options.routed ?? true) {
      envelope.setRouting({ topic: 'orders', streamKey: `order-${counter}`, partitionIndex: counter % 4, sequenceNumber: counter });
      envelope.setTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
      envelope.policyTrail.recordDecision('OrderPolicy', 'matchesAggregate(Order)', true, { partitions: 4, streamKey: function byOrderId() {} }, 'aggregate is Order');
      envelope.policyTrail.recordDecision('AuditPolicy', 'hasTag(audit)', false, null, 'no audit tag');
    }

    for (const [index, hopAt] of (options.hopsAt ?? [at]).entries()) {
      now = baseTime + hopAt;
      const caller = index % 2 === 0 ? KNOWN_CALLER : UNKNOWN_CALLER;
      envelope.addHop(
        recordHop(
          {
            topic: 'orders',
            streamKey: `order-${counter}`,
            ...(index === 0 ? { partitionIndex: counter % 4, sequenceNumber: counter } : {}),
            executionStrategy: index % 2 === 0 ? 'serial' : 'parallel',
            durationMs: index + 0.5,
            clock,
          },
          caller,
        ),
      );
    }

    return createMessageTrace(envelope, options.outcome ?? { status: 'succeeded' }, {
      payload: (options.withPayload ?? true) ? 'include' : 'omit',
    });
  };

  return {
    baseTime,
    root: (options) => build(undefined, options),
    child: (parent, options) => build(parent, options),
  };
}
