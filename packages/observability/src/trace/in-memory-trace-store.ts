import type { CorrelationId, MessageId } from '../ids.js';
import { describeValue } from '../describe-value.js';
import type { MessageTrace, TraceDecision } from './message-trace.js';
import { SetMultimap } from './set-multimap.js';
import { snapshotMessageTrace } from './snapshot-message-trace.js';
import { TimeIndex, type TimeIndexEntry } from './time-index.js';
import {
  parseCorrelationIdArgument,
  parseMessageIdArgument,
  parseTimeRangeArguments,
  throwIfAborted,
} from './trace-arguments.js';
import { compareTracesByTime } from './trace-order.js';
import { TraceStoreClosedError } from './trace-store-closed-error.js';
import type { TraceStore } from './trace-store.js';

/**
 * Options of {@link InMemoryTraceStore}.
 *
 * @example
 * ```ts
 * const store = new InMemoryTraceStore({ maxTraces: 10_000 });
 * ```
 */
export interface InMemoryTraceStoreOptions {
  /**
   * Maximum number of traces kept. Storing one more evicts the trace stored longest ago (a
   * replaced trace counts as stored at its replacement). Default 100,000; an integer of at least 1.
   */
  readonly maxTraces?: number;
}

/**
 * Sizes of the store's index structures and counters of its work, for tests and monitoring.
 * The index sizes are at most `traces`, `timeIndexSlots` is at most `traces + max(1024, traces)`
 * and `evictionQueueSlots` at most `2 × traces + 1024`.
 */
export interface InMemoryTraceStoreStats {
  /** Traces stored. */
  readonly traces: number;

  /** Distinct correlation ids in the correlation index. */
  readonly correlationKeys: number;

  /** Entries of the correlation index: one per trace. */
  readonly correlationEntries: number;

  /** Distinct causation ids in the parent-to-children index. */
  readonly causationKeys: number;

  /** Entries of the parent-to-children index: one per trace that has a causation id. */
  readonly causationEntries: number;

  /** Slots of the time index, live or removed and not yet compacted. */
  readonly timeIndexSlots: number;

  /**
   * Slots of the eviction queue (stored traces, oldest first), live or replaced and not yet
   * compacted. At most `2 × traces + 1024`.
   */
  readonly evictionQueueSlots: number;

  /** Traces evicted because the store was full, since it was created. */
  readonly evictions: number;

  /**
   * Trace records and time-index slots that queries have read since the store was created. A
   * query adds about as much as it returns, never a multiple of the store's size.
   */
  readonly recordsExamined: number;
}

interface StoredTrace {
  readonly trace: MessageTrace;
  readonly timeEntry: TimeIndexEntry<MessageTrace>;
}

const DEFAULT_MAX_TRACES = 100_000;

/**
 * A {@link TraceStore} in process memory, for tests, development and short-lived tools. Traces
 * are lost when the process exits.
 *
 * Indexes: a map by message id (in insertion order, which is also the eviction order), sets by
 * correlation id and by causation id (parent to children), and a time index sorted by
 * (timestamp, messageId). Lookups by id, correlation and causal chain cost in proportion to the
 * result, not to the number of stored traces. A time-range query costs O(log n + k). Stored
 * traces are deep-frozen copies that every query shares, so callers must copy a trace before
 * changing it.
 *
 * Every method completes synchronously inside its promise, so concurrent calls cannot observe a
 * half-applied store.
 *
 * @example
 * ```ts
 * const store = new InMemoryTraceStore({ maxTraces: 10_000 });
 * await store.store(createMessageTrace(envelope, { status: 'succeeded' }));
 * const chain = await store.getCausalChain(envelope.messageId);
 * ```
 */
// The methods are async without awaiting anything so that invalid arguments, aborts and a closed
// store reject the returned promise instead of throwing, as TraceStore requires.
/* eslint-disable @typescript-eslint/require-await */
export class InMemoryTraceStore implements TraceStore {
  /** Maximum number of traces kept; see {@link InMemoryTraceStoreOptions.maxTraces}. */
  readonly maxTraces: number;

  readonly #byMessageId = new Map<string, StoredTrace>();
  readonly #byCorrelation = new SetMultimap<string, StoredTrace>();
  readonly #childrenByCausation = new SetMultimap<string, StoredTrace>();
  readonly #timeIndex = new TimeIndex<MessageTrace>();

  // Stored traces in store order, oldest first from #evictionHead, for eviction. Taking the first
  // key of #byMessageId instead would cost O(evicted so far): V8 Maps keep deleted entries as
  // holes until they rehash, and an iterator steps over every hole at the front. A replaced trace
  // stays in the queue as a stale slot (its time entry is marked removed) and is skipped.
  #evictionQueue: (StoredTrace | undefined)[] = [];
  #evictionHead = 0;
  #closed = false;
  #evictions = 0;
  #recordsExamined = 0;

  /**
   * Creates an empty store.
   *
   * @throws TypeError when `options.maxTraces` is not a number.
   * @throws RangeError when `options.maxTraces` is not an integer of at least 1.
   */
  constructor(options: InMemoryTraceStoreOptions = {}) {
    const maxTraces: unknown = options.maxTraces ?? DEFAULT_MAX_TRACES;
    if (typeof maxTraces !== 'number') {
      throw new TypeError(`Invalid options.maxTraces: ${describeValue(maxTraces)}. Expected a number such as 100000.`);
    }
    if (!Number.isSafeInteger(maxTraces) || maxTraces < 1) {
      throw new RangeError(`Invalid options.maxTraces: ${maxTraces}. Expected an integer of at least 1.`);
    }
    this.maxTraces = maxTraces;
  }

  /** Stores a frozen copy of `trace`, replacing any trace with the same message id. */
  async store(trace: MessageTrace, signal?: AbortSignal): Promise<void> {
    const snapshot = snapshotMessageTrace(trace, 'trace');
    this.#beginCall('store', signal);

    const existing = this.#byMessageId.get(snapshot.messageId);
    if (existing !== undefined) this.#remove(existing);

    const stored: StoredTrace = { trace: snapshot, timeEntry: this.#timeIndex.insert(snapshot) };
    this.#byMessageId.set(snapshot.messageId, stored);
    this.#byCorrelation.add(snapshot.correlationId, stored);
    if (snapshot.causationId !== null) this.#childrenByCausation.add(snapshot.causationId, stored);
    this.#evictionQueue.push(stored);

    while (this.#byMessageId.size > this.maxTraces) {
      this.#remove(this.#takeOldest());
      this.#evictions++;
    }
    this.#compactEvictionQueue();
  }

  /** Returns the trace of `messageId`, or undefined. */
  async getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    const id = parseMessageIdArgument(messageId, 'messageId');
    this.#beginCall('getByMessageId', signal);

    return this.#lookup(id)?.trace;
  }

  /** Returns the traces of the workflow `correlationId`, ordered by (timestamp, messageId). */
  async getByCorrelation(correlationId: CorrelationId, signal?: AbortSignal): Promise<MessageTrace[]> {
    const id = parseCorrelationIdArgument(correlationId, 'correlationId');
    this.#beginCall('getByCorrelation', signal);

    const members = this.#byCorrelation.valuesOf(id);
    this.#recordsExamined += members.length;

    const traces = members.map((stored) => stored.trace);
    return traces.sort(compareTracesByTime);
  }

  /**
   * Returns the ancestors of `messageId` (first cause first), the message, then its descendants
   * by depth and (timestamp, messageId). Returns an empty array when the message is not stored.
   */
  async getCausalChain(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace[]> {
    const id = parseMessageIdArgument(messageId, 'messageId');
    this.#beginCall('getCausalChain', signal);

    const start = this.#lookup(id);
    if (start === undefined) return [];

    // `visited` makes a cycle in stored causation ids end the walk instead of looping.
    const visited = new Set<string>([id]);
    const ancestors = this.#collectAncestors(start.trace, visited);
    const descendants = this.#collectDescendants(start.trace, visited);
    return [...ancestors, start.trace, ...descendants];
  }

  /** Returns the traces with `from <= timestamp <= to`, ordered by (timestamp, messageId). */
  async getByTimeRange(from: number | Date, to: number | Date, signal?: AbortSignal): Promise<MessageTrace[]> {
    const range = parseTimeRangeArguments(from, to);
    this.#beginCall('getByTimeRange', signal);

    const result = this.#timeIndex.range(range.from, range.to);
    this.#recordsExamined += result.visited;
    return result.items;
  }

  /** Returns the policy decisions of `messageId` in recorded order, or an empty array. */
  async getPolicyTrail(messageId: MessageId, signal?: AbortSignal): Promise<TraceDecision[]> {
    const id = parseMessageIdArgument(messageId, 'messageId');
    this.#beginCall('getPolicyTrail', signal);

    return this.#lookup(id)?.trace.decisions.slice() ?? [];
  }

  /** Drops every trace; later calls reject with {@link TraceStoreClosedError}. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#byMessageId.clear();
    this.#byCorrelation.clear();
    this.#childrenByCausation.clear();
    this.#timeIndex.clear();
    this.#evictionQueue = [];
    this.#evictionHead = 0;
  }

  /** Returns the sizes of every index and the work counters; see {@link InMemoryTraceStoreStats}. */
  stats(): InMemoryTraceStoreStats {
    return {
      traces: this.#byMessageId.size,
      correlationKeys: this.#byCorrelation.keyCount,
      correlationEntries: this.#byCorrelation.valueCount,
      causationKeys: this.#childrenByCausation.keyCount,
      causationEntries: this.#childrenByCausation.valueCount,
      timeIndexSlots: this.#timeIndex.slotCount,
      evictionQueueSlots: this.#evictionQueue.length - this.#evictionHead,
      evictions: this.#evictions,
      recordsExamined: this.#recordsExamined,
    };
  }

  #beginCall(method: string, signal: AbortSignal | undefined): void {
    throwIfAborted(signal, 'signal');
    if (this.#closed) throw new TraceStoreClosedError(method);
  }

  #lookup(messageId: string): StoredTrace | undefined {
    this.#recordsExamined++;
    return this.#byMessageId.get(messageId);
  }

  /** Takes the live trace stored longest ago off the eviction queue; the caller removes it. */
  #takeOldest(): StoredTrace {
    for (;;) {
      const stored = this.#evictionQueue[this.#evictionHead] as StoredTrace;
      // Cleared so the queue does not keep an evicted trace alive until the next compaction.
      this.#evictionQueue[this.#evictionHead] = undefined;
      this.#evictionHead++;
      if (!stored.timeEntry.removed) return stored;
    }
  }

  /**
   * Drops the taken slots at the front once they are the larger part of the queue, and the
   * stale slots of replaced traces once they outnumber the live ones (plus 1024), so the queue
   * stays within `2 × traces + 1024` slots at amortised O(1) per store.
   */
  #compactEvictionQueue(): void {
    const queue = this.#evictionQueue;
    const slots = queue.length - this.#evictionHead;
    const live = this.#byMessageId.size;

    if (slots > 2 * live + 1024) {
      this.#evictionQueue = queue.slice(this.#evictionHead).filter((stored) => stored !== undefined && !stored.timeEntry.removed);
      this.#evictionHead = 0;
    } else if (this.#evictionHead > 1024 && this.#evictionHead > slots) {
      this.#evictionQueue = queue.slice(this.#evictionHead);
      this.#evictionHead = 0;
    }
  }

  #remove(stored: StoredTrace): void {
    const { trace } = stored;
    this.#byMessageId.delete(trace.messageId);
    this.#byCorrelation.delete(trace.correlationId, stored);
    if (trace.causationId !== null) this.#childrenByCausation.delete(trace.causationId, stored);
    this.#timeIndex.remove(stored.timeEntry);
  }

  /** Walks causation ids upwards and returns the ancestors, first cause first. */
  #collectAncestors(start: MessageTrace, visited: Set<string>): MessageTrace[] {
    const ancestors: MessageTrace[] = [];
    let causationId = start.causationId;
    while (causationId !== null && !visited.has(causationId)) {
      const parent = this.#lookup(causationId);
      if (parent === undefined) break;

      visited.add(causationId);
      ancestors.push(parent.trace);
      causationId = parent.trace.causationId;
    }
    return ancestors.reverse();
  }

  /** Walks the children index breadth-first and returns each level sorted by (timestamp, messageId). */
  #collectDescendants(start: MessageTrace, visited: Set<string>): MessageTrace[] {
    const descendants: MessageTrace[] = [];
    let level: MessageTrace[] = [start];
    while (level.length > 0) {
      const next: MessageTrace[] = [];
      for (const parent of level) {
        const children = this.#childrenByCausation.valuesOf(parent.messageId);
        this.#recordsExamined += children.length;
        for (const child of children) {
          if (visited.has(child.trace.messageId)) continue;

          visited.add(child.trace.messageId);
          next.push(child.trace);
        }
      }

      next.sort(compareTracesByTime);
      for (const trace of next) descendants.push(trace);
      level = next;
    }
    return descendants;
  }
}
/* eslint-enable @typescript-eslint/require-await */
