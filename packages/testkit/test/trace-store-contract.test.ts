import { AssertionError } from 'node:assert';

import {
  InMemoryTraceStore,
  parseMessageIdArgument,
  type CorrelationId,
  type MessageId,
  type MessageTrace,
  type TraceDecision,
  type TraceStore,
} from '@whizbang/observability';
import { describe, expect, it, vi } from 'vitest';

import {
  checkTraceStoreAbortHonoured,
  checkTraceStoreCausalChain,
  checkTraceStoreCausalOrder,
  checkTraceStoreClockSteppingBack,
  checkTraceStoreConcurrentStores,
  checkTraceStoreCorrelation,
  checkTraceStoreKeepsCopy,
  checkTraceStoreOutcomes,
  checkTraceStorePolicyTrail,
  checkTraceStoreRejectsInvalidIds,
  checkTraceStoreRejectsInvalidTimeRange,
  checkTraceStoreReplacesSameId,
  checkTraceStoreRoundTrip,
  checkTraceStoreTimeRangeBounds,
  checkTraceStoreUnknownIds,
  describeTraceStoreContract,
  traceStoreChecks,
  type TraceStoreCheck,
  type TraceStoreFactory,
} from '../src/index.js';

// The in-memory store lives in observability, which cannot depend on the testkit, so its
// contract run is here.
describeTraceStoreContract('InMemoryTraceStore', () => new InMemoryTraceStore(), {
  cleanup: (store) => store.close?.(),
});

/** Passes every call to a correct store; each broken store below changes one method. */
class DelegatingStore implements TraceStore {
  protected readonly inner = new InMemoryTraceStore();

  store(trace: MessageTrace, signal?: AbortSignal): Promise<void> {
    return this.inner.store(trace, signal);
  }

  getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    return this.inner.getByMessageId(messageId, signal);
  }

  getByCorrelation(correlationId: CorrelationId, signal?: AbortSignal): Promise<MessageTrace[]> {
    return this.inner.getByCorrelation(correlationId, signal);
  }

  getCausalChain(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace[]> {
    return this.inner.getCausalChain(messageId, signal);
  }

  getByTimeRange(from: number | Date, to: number | Date, signal?: AbortSignal): Promise<MessageTrace[]> {
    return this.inner.getByTimeRange(from, to, signal);
  }

  getPolicyTrail(messageId: MessageId, signal?: AbortSignal): Promise<TraceDecision[]> {
    return this.inner.getPolicyTrail(messageId, signal);
  }
}

/** Loses the last trace of every workflow with more than one trace. */
class DropsCorrelationMembersStore extends DelegatingStore {
  override async getByCorrelation(correlationId: CorrelationId, signal?: AbortSignal): Promise<MessageTrace[]> {
    const traces = await super.getByCorrelation(correlationId, signal);
    return traces.length > 1 ? traces.slice(0, -1) : traces;
  }
}

/** Returns causal chains effects first. */
class WrongCausalOrderStore extends DelegatingStore {
  override async getCausalChain(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace[]> {
    return (await super.getCausalChain(messageId, signal)).reverse();
  }
}

/** Returns the whole workflow as the causal chain, siblings included. */
class WholeWorkflowChainStore extends DelegatingStore {
  override async getCausalChain(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace[]> {
    const trace = await super.getByMessageId(messageId, signal);
    return trace === undefined ? [] : super.getByCorrelation(trace.correlationId, signal);
  }
}

/** Treats both time bounds as exclusive. */
class ExclusiveTimeBoundsStore extends DelegatingStore {
  override async getByTimeRange(from: number | Date, to: number | Date, signal?: AbortSignal): Promise<MessageTrace[]> {
    const traces = await super.getByTimeRange(from, to, signal);
    return traces.filter((trace) => trace.timestamp !== Number(from) && trace.timestamp !== Number(to));
  }
}

/** Indexes traces by the time of their first hop instead of the envelope time. */
class FirstHopTimeStore extends DelegatingStore {
  override async getByTimeRange(from: number | Date, to: number | Date, signal?: AbortSignal): Promise<MessageTrace[]> {
    const day = 86_400_000;
    const wide = await super.getByTimeRange(Number(from) - day, Number(to) + day, signal);
    return wide.filter((trace) => {
      const time = trace.hops[0]?.timestamp ?? trace.timestamp;
      return time >= Number(from) && time <= Number(to);
    });
  }
}

/** Returns hops sorted by (timestamp, sequence) instead of recorded order. */
class SortsHopsByTimeStore extends DelegatingStore {
  override async getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    const trace = await super.getByMessageId(messageId, signal);
    if (trace === undefined) return undefined;
    const hops = trace.hops.slice().sort((a, b) => a.timestamp - b.timestamp || a.sequence - b.sequence);
    return { ...trace, hops };
  }
}

/** Returns undefined from every query. */
class UndefinedStore extends DelegatingStore {
  override async getByMessageId(): Promise<MessageTrace | undefined> {
    return undefined;
  }
  override async getByCorrelation(): Promise<MessageTrace[]> {
    return undefined as never;
  }
  override async getCausalChain(): Promise<MessageTrace[]> {
    return undefined as never;
  }
  override async getByTimeRange(): Promise<MessageTrace[]> {
    return undefined as never;
  }
  override async getPolicyTrail(): Promise<TraceDecision[]> {
    return undefined as never;
  }
}

/** Keeps the caller's object instead of a copy. */
class KeepsInputObjectStore extends DelegatingStore {
  readonly #objects = new Map<string, MessageTrace>();

  override async store(trace: MessageTrace, signal?: AbortSignal): Promise<void> {
    await super.store(trace, signal);
    this.#objects.set(trace.messageId, trace);
  }

  override async getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    await super.getByMessageId(messageId, signal);
    return this.#objects.get(messageId);
  }
}

/** Returns null, not undefined, for an unknown message id. */
class NullForUnknownStore extends DelegatingStore {
  override async getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    return (await super.getByMessageId(messageId, signal)) ?? (null as never);
  }
}

/** Ignores a trace whose message id is already stored. */
class KeepsFirstVersionStore extends DelegatingStore {
  override async store(trace: MessageTrace, signal?: AbortSignal): Promise<void> {
    if ((await super.getByMessageId(trace.messageId, signal)) !== undefined) return;
    await super.store(trace, signal);
  }
}

/** Returns the policy trail newest first. */
class ReversedTrailStore extends DelegatingStore {
  override async getPolicyTrail(messageId: MessageId, signal?: AbortSignal): Promise<TraceDecision[]> {
    return (await super.getPolicyTrail(messageId, signal)).reverse();
  }
}

/** Loses the error message of unsuccessful outcomes. */
class DropsErrorMessageStore extends DelegatingStore {
  override async getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    const trace = await super.getByMessageId(messageId, signal);
    if (trace === undefined || trace.outcome.errorMessage === undefined) return trace;
    const { errorMessage: _dropped, ...outcome } = trace.outcome;
    return { ...trace, outcome };
  }
}

/** Buffers one write and yields before applying it, so concurrent writes overwrite each other. */
class LastWriteWinsStore extends DelegatingStore {
  #pending: MessageTrace | undefined;

  override async store(trace: MessageTrace, signal?: AbortSignal): Promise<void> {
    this.#pending = trace;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.#pending === trace) await super.store(trace, signal);
  }
}

/** Returns empty results for invalid input instead of rejecting. */
class LenientStore extends DelegatingStore {
  override async store(trace: MessageTrace, signal?: AbortSignal): Promise<void> {
    await super.store(trace, signal).catch(() => undefined);
  }
  override async getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    return super.getByMessageId(messageId, signal).catch(() => undefined);
  }
  override async getByCorrelation(correlationId: CorrelationId, signal?: AbortSignal): Promise<MessageTrace[]> {
    return super.getByCorrelation(correlationId, signal).catch(() => []);
  }
  override async getCausalChain(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace[]> {
    return super.getCausalChain(messageId, signal).catch(() => []);
  }
  override async getByTimeRange(from: number | Date, to: number | Date, signal?: AbortSignal): Promise<MessageTrace[]> {
    return super.getByTimeRange(from, to, signal).catch(() => []);
  }
  override async getPolicyTrail(messageId: MessageId, signal?: AbortSignal): Promise<TraceDecision[]> {
    return super.getPolicyTrail(messageId, signal).catch(() => []);
  }
}

/** Never looks at the signal. */
class IgnoresAbortStore extends DelegatingStore {
  override store(trace: MessageTrace): Promise<void> {
    return super.store(trace);
  }
  override getByMessageId(messageId: MessageId): Promise<MessageTrace | undefined> {
    return super.getByMessageId(messageId);
  }
}

/** Validates ids before creating its promise, so bad ids throw instead of rejecting. */
class ThrowsSynchronouslyStore extends DelegatingStore {
  override getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    parseMessageIdArgument(messageId, 'messageId');
    return super.getByMessageId(messageId, signal);
  }
}

type CheckRun = TraceStoreCheck['run'];

const brokenStores: [string, TraceStoreFactory, [CheckRun, RegExp][]][] = [
  ['drops correlation members', () => new DropsCorrelationMembersStore(), [
    [checkTraceStoreCorrelation, /getByCorrelation\(workflow of 5\) returned \[root, skewed, tie., tie.\]; expected \[root, skewed, tie., tie., late\]/],
    [checkTraceStoreConcurrentStores, /missing 1 of the 100 children/],
  ]],
  ['wrong causal order', () => new WrongCausalOrderStore(), [
    [checkTraceStoreCausalChain, /getCausalChain\(a\), a middle node returned \[d, c, b1, b2, a, root\]/],
    [checkTraceStoreCausalOrder, /getCausalChain\(node \d+\) returned .*Counterexample/s],
  ]],
  ['whole workflow as causal chain', () => new WholeWorkflowChainStore(), [[checkTraceStoreCausalChain, /getCausalChain\(a\), a middle node returned \[root, a, x, y, c, d, b2, b1\]/]]],
  ['exclusive time bounds', () => new ExclusiveTimeBoundsStore(), [
    [checkTraceStoreTimeRangeBounds, /getByTimeRange\(t1, t3\) returned \[t2a, t2b\]|getByTimeRange\(t1, t3\) returned \[t2b, t2a\]/],
  ]],
  ['first hop time index', () => new FirstHopTimeStore(), [[checkTraceStoreClockSteppingBack, /getByTimeRange between hop and envelope times returned \[\]; expected \[first\]/]]],
  ['hops sorted by time', () => new SortsHopsByTimeStore(), [
    [checkTraceStoreRoundTrip, /getByMessageId\(routed trace\) returned a different trace: trace\.hops\[0\]\.sequence is 1; expected 0/],
    [checkTraceStoreClockSteppingBack, /Hops came back with sequences \[1, 2, 3, 0, 4\]/],
  ]],
  ['undefined for everything', () => new UndefinedStore(), [
    [checkTraceStoreRoundTrip, /getByMessageId\(routed trace\) returned undefined/],
    [checkTraceStoreUnknownIds, /getByCorrelation\(unknown id\) returned undefined; expected an empty array/],
    [checkTraceStoreCorrelation, /returned undefined; expected an array of traces/],
    [checkTraceStoreCausalChain, /returned undefined; expected an array of traces/],
    [checkTraceStoreTimeRangeBounds, /returned undefined; expected an array of traces/],
    [checkTraceStorePolicyTrail, /trail is undefined/],
    [checkTraceStoreOutcomes, /outcome is undefined/],
  ]],
  ['keeps the input object', () => new KeepsInputObjectStore(), [[checkTraceStoreKeepsCopy, /trace\.hops\[0\]\.timestamp is 0; expected \d+/]]],
  ['null for unknown ids', () => new NullForUnknownStore(), [[checkTraceStoreUnknownIds, /returned null; expected undefined/]]],
  ['keeps the first version', () => new KeepsFirstVersionStore(), [[checkTraceStoreReplacesSameId, /getByMessageId after storing the id again returned a different trace/]]],
  ['reversed policy trail', () => new ReversedTrailStore(), [[checkTraceStorePolicyTrail, /trail\[0\]\.policyName is "AuditPolicy"; expected "OrderPolicy"/]]],
  ['drops error messages', () => new DropsErrorMessageStore(), [[checkTraceStoreOutcomes, /outcome\.errorMessage is missing/]]],
  ['last write wins', () => new LastWriteWinsStore(), [[checkTraceStoreConcurrentStores, /returned 2 traces, missing 99 of the 100 children/]]],
  ['lenient input', () => new LenientStore(), [
    [checkTraceStoreRejectsInvalidIds, /getByMessageId\("order-42"\) resolved/],
    [checkTraceStoreRejectsInvalidTimeRange, /getByTimeRange\(to \+ 1, to\) resolved/],
  ]],
  ['ignores abort', () => new IgnoresAbortStore(), [[checkTraceStoreAbortHonoured, /store\(trace, abortedSignal\) resolved/]]],
  ['throws synchronously', () => new ThrowsSynchronouslyStore(), [[checkTraceStoreRejectsInvalidIds, /threw synchronously/]]],
];

describe('trace store contract on broken stores', () => {
  for (const [name, factory, expectations] of brokenStores) {
    for (const [run, message] of expectations) {
      const checkName = traceStoreChecks.find((entry) => entry.run === run)?.name ?? run.name;
      it(`catches ${name} in "${checkName}"`, async () => {
        const failure = await run(factory, { propertyRuns: 25 }).then(
          () => undefined,
          (error: unknown) => error,
        );

        expect(failure).toBeInstanceOf(AssertionError);
        expect((failure as Error).message).toMatch(message);
      });
    }
  }

  it('catches every broken behaviour at least once', () => {
    const caught = new Set(brokenStores.flatMap(([, , expectations]) => expectations.map(([run]) => run)));

    for (const entry of traceStoreChecks) {
      expect(caught.has(entry.run), entry.name).toBe(true);
    }
  });
});

describe('describeTraceStoreContract', () => {
  it('rejects a non-function factory', () => {
    expect(() => describeTraceStoreContract('x', {} as never)).toThrow(TypeError);
  });

  it('rejects invalid counts', () => {
    expect(() => describeTraceStoreContract('x', () => new InMemoryTraceStore(), { propertyRuns: 0 })).toThrow(/propertyRuns/);
    expect(() => describeTraceStoreContract('x', () => new InMemoryTraceStore(), { concurrentStores: 1.5 })).toThrow(RangeError);
  });
});

describe('trace store checks', () => {
  it('accept an async factory', async () => {
    const outcome = await checkTraceStoreRoundTrip(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return new InMemoryTraceStore();
    });

    expect(outcome.status).toBe('passed');
  });

  it('clean up after passing checks', async () => {
    const cleanup = vi.fn();
    const stores: TraceStore[] = [];

    await checkTraceStoreUnknownIds(() => {
      const store = new InMemoryTraceStore();
      stores.push(store);
      return store;
    }, { cleanup });

    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(cleanup).toHaveBeenCalledWith(stores[0]);
  });

  it('clean up after failing checks', async () => {
    const cleanup = vi.fn();

    await expect(checkTraceStoreUnknownIds(() => new UndefinedStore(), { cleanup })).rejects.toThrow(AssertionError);

    expect(cleanup).toHaveBeenCalledTimes(1);
  });

  it('pass on a store holding earlier traces', async () => {
    // A database-backed store may keep traces between checks; every check must still pass.
    const shared = new InMemoryTraceStore();
    const factory = () => shared;

    for (const entry of traceStoreChecks) {
      const outcome = await entry.run(factory, { propertyRuns: 5 });
      expect(outcome.status, entry.name).toBe('passed');
    }
    expect(shared.stats().traces).toBeGreaterThan(50);
  });
});
