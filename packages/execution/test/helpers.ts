import { createEnvelope, type MessageEnvelope, type PolicyContext } from '@whizbang/observability';

/** Creates an envelope carrying `payload`, routed to topic `"test"` so hops can be recorded. */
export function envelopeOf<T>(payload: T): MessageEnvelope<T> {
  const envelope = createEnvelope(payload);
  envelope.setRouting({ topic: 'test', streamKey: 'stream', partitionIndex: 0, sequenceNumber: undefined });
  return envelope;
}

/**
 * Minimal policy context for tests: executors pass the context through to the handler without
 * reading it, so only `message` and `envelope` carry data.
 */
export function contextOf<T>(envelope: MessageEnvelope<T>): PolicyContext<T> {
  return {
    message: envelope.payload,
    messageType: envelope.messageType,
    envelope,
    environment: 'test',
    executionTime: 0,
    trail: envelope.policyTrail,
    matchesAggregate: () => false,
    getAggregateId: () => undefined,
    hasTag: () => false,
    hasFlag: () => false,
    getMetadata: () => undefined,
    getService: () => {
      throw new Error('no services in tests');
    },
  };
}

/** A promise whose settlement the test controls. */
export interface Gate<T = void> {
  readonly promise: Promise<T>;
  open(value: T): void;
  fail(error: unknown): void;
}

/** Creates a {@link Gate}. */
export function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });

  return { promise, open, fail };
}

/** Records how many handlers run at once and the highest value seen. */
export class ConcurrencyProbe {
  current = 0;
  max = 0;

  enter(): void {
    this.current++;
    this.max = Math.max(this.max, this.current);
  }

  leave(): void {
    this.current--;
  }
}

/** Settles a promise into a result object, so a test can inspect it without an unhandled rejection. */
export function outcomeOf<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Lets every queued microtask (and those they queue, up to `rounds` deep) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let index = 0; index < rounds; index++) {
    await Promise.resolve();
  }
}
