import { compareTracesByTime } from './trace-order.js';

/** A record the time index can order: by `timestamp`, then by `messageId`. */
export interface TimeOrdered {
  readonly timestamp: number;
  readonly messageId: string;
}

/** Slot of one item in a {@link TimeIndex}; pass it to `remove`. */
export interface TimeIndexEntry<T extends TimeOrdered> {
  readonly item: T;
  removed: boolean;
}

/** Options of {@link TimeIndex}. */
export interface TimeIndexOptions {
  /**
   * Removed slots the index keeps before it compacts. It compacts once removed slots exceed both
   * this number and the live entries, so at most `max(2 × size, size + this)` slots exist.
   * Default 1024, minimum 1.
   */
  readonly minRemovedBeforeCompaction?: number;

  /**
   * Out-of-order inserts held in a small sorted side array before they are merged into the main
   * array in one pass. Default 1024, minimum 1.
   */
  readonly maxPendingBeforeMerge?: number;
}

/** Items of a range query and the number of slots the query visited. */
export interface TimeRangeResult<T> {
  readonly items: T[];
  readonly visited: number;
}

/**
 * Items sorted by (timestamp, messageId), for inclusive time-range queries in O(log n + k).
 *
 * Traces mostly arrive in time order, so an insert usually appends to the main array. Traces
 * from parallel lanes arrive a little out of order, and a lane that falls behind sends traces
 * older than thousands of stored ones. Splicing each into the main array would move all of
 * those. An out-of-order insert therefore goes to a small sorted side array, which is merged
 * into the main array in one linear pass once it contains `maxPendingBeforeMerge` items: O(n / p)
 * moves per insert instead of O(distance). Queries walk both arrays in step.
 *
 * Removal only marks the slot (O(1)); both arrays are compacted when removed slots outnumber
 * live ones, so removal costs amortised O(1) and the slots stay within a constant factor of the
 * live count.
 */
export class TimeIndex<T extends TimeOrdered> {
  #entries: TimeIndexEntry<T>[] = [];
  #pending: TimeIndexEntry<T>[] = [];
  readonly #minRemovedBeforeCompaction: number;
  readonly #maxPendingBeforeMerge: number;
  #removedCount = 0;

  constructor(options: TimeIndexOptions = {}) {
    this.#minRemovedBeforeCompaction = positiveInteger(options.minRemovedBeforeCompaction, 'minRemovedBeforeCompaction');
    this.#maxPendingBeforeMerge = positiveInteger(options.maxPendingBeforeMerge, 'maxPendingBeforeMerge');
  }

  /** Number of live items. */
  get size(): number {
    return this.slotCount - this.#removedCount;
  }

  /** Number of slots, live or removed; bounded as {@link TimeIndexOptions} describes. */
  get slotCount(): number {
    return this.#entries.length + this.#pending.length;
  }

  /** Inserts `item` at its sorted position and returns its slot. */
  insert(item: T): TimeIndexEntry<T> {
    const entry: TimeIndexEntry<T> = { item, removed: false };
    const entries = this.#entries;
    const last = entries.length === 0 ? undefined : entries[entries.length - 1];
    if (last === undefined || compareTracesByTime(last.item, item) <= 0) {
      entries.push(entry);
      return entry;
    }

    const pending = this.#pending;
    pending.splice(upperBound(pending, item), 0, entry);
    if (pending.length >= this.#maxPendingBeforeMerge) this.#merge();
    return entry;
  }

  /** Removes the item of `entry`; removing it again does nothing. */
  remove(entry: TimeIndexEntry<T>): void {
    if (entry.removed) return;

    entry.removed = true;
    this.#removedCount++;
    if (this.#removedCount > this.#minRemovedBeforeCompaction && this.#removedCount > this.size) {
      this.#merge();
    }
  }

  /** Returns the live items with `from <= timestamp <= to`, in (timestamp, messageId) order. */
  range(from: number, to: number): TimeRangeResult<T> {
    const items: T[] = [];
    const entries = this.#entries;
    const pending = this.#pending;
    let index = lowerBoundOfTime(entries, from);
    let pendingIndex = lowerBoundOfTime(pending, from);
    let visited = 0;

    // A two-way merge that stops at the first slot of either array past `to`.
    for (;;) {
      const main = index < entries.length ? entries[index] : undefined;
      const side = pendingIndex < pending.length ? pending[pendingIndex] : undefined;
      let entry: TimeIndexEntry<T>;
      if (main !== undefined && (side === undefined || compareTracesByTime(main.item, side.item) <= 0)) {
        entry = main;
        index++;
      } else if (side !== undefined) {
        entry = side;
        pendingIndex++;
      } else {
        break;
      }

      visited++;
      if (entry.item.timestamp > to) break;
      if (!entry.removed) items.push(entry.item);
    }
    return { items, visited };
  }

  /** Removes every item. */
  clear(): void {
    this.#entries = [];
    this.#pending = [];
    this.#removedCount = 0;
  }

  /**
   * Merges the side array into the main array, dropping removed slots from both. Each side item
   * finds its place by binary search, and the main slots between two places are copied without
   * comparing them, so a merge costs O(n + p log n) for p side items.
   */
  #merge(): void {
    const entries = this.#entries;
    const merged: TimeIndexEntry<T>[] = [];
    let start = 0;
    for (const side of this.#pending) {
      const end = upperBound(entries, side.item, start);
      copyLive(entries, start, end, merged);
      if (!side.removed) merged.push(side);
      start = end;
    }
    copyLive(entries, start, entries.length, merged);

    this.#entries = merged;
    this.#pending = [];
    this.#removedCount = 0;
  }
}

function copyLive<T extends TimeOrdered>(from: readonly TimeIndexEntry<T>[], start: number, end: number, to: TimeIndexEntry<T>[]): void {
  for (let index = start; index < end; index++) {
    const entry = from[index] as TimeIndexEntry<T>;
    if (!entry.removed) to.push(entry);
  }
}

function positiveInteger(value: number | undefined, name: string): number {
  const resolved = value ?? 1024;
  if (!Number.isSafeInteger(resolved) || resolved < 1) {
    throw new RangeError(`Invalid options.${name}: ${resolved}. Expected an integer of at least 1.`);
  }
  return resolved;
}

/** Index of the first slot whose timestamp is at least `time`. */
function lowerBoundOfTime<T extends TimeOrdered>(entries: readonly TimeIndexEntry<T>[], time: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle] as TimeIndexEntry<T>).item.timestamp < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Index of the first slot at or after `low` that sorts after `item`, so equal keys keep
 * insertion order.
 */
function upperBound<T extends TimeOrdered>(entries: readonly TimeIndexEntry<T>[], item: T, low = 0): number {
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareTracesByTime((entries[middle] as TimeIndexEntry<T>).item, item) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
