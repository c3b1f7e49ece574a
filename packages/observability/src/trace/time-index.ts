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
}

/** Items of a range query and the number of slots the query visited. */
export interface TimeRangeResult<T> {
  readonly items: T[];
  readonly visited: number;
}

/**
 * Items sorted by (timestamp, messageId) in one array, for inclusive time-range queries in
 * O(log n + k).
 *
 * Traces mostly arrive in time order, so an insert usually appends. An insert from a clock that
 * stepped back finds its slot by binary search and splices it in, which costs O(n) moves.
 * Removal only marks the slot (O(1)); the array is compacted when removed slots outnumber live
 * ones, so removal costs amortised O(1) and the array stays within a constant factor of the live
 * count.
 */
export class TimeIndex<T extends TimeOrdered> {
  readonly #entries: TimeIndexEntry<T>[] = [];
  readonly #minRemovedBeforeCompaction: number;
  #removedCount = 0;

  constructor(options: TimeIndexOptions = {}) {
    const minRemoved = options.minRemovedBeforeCompaction ?? 1024;
    if (!Number.isSafeInteger(minRemoved) || minRemoved < 1) {
      throw new RangeError(
        `Invalid options.minRemovedBeforeCompaction: ${minRemoved}. Expected an integer of at least 1.`,
      );
    }
    this.#minRemovedBeforeCompaction = minRemoved;
  }

  /** Number of live items. */
  get size(): number {
    return this.#entries.length - this.#removedCount;
  }

  /** Number of array slots, live or removed; bounded as {@link TimeIndexOptions} describes. */
  get slotCount(): number {
    return this.#entries.length;
  }

  /** Inserts `item` at its sorted position and returns its slot. */
  insert(item: T): TimeIndexEntry<T> {
    const entry: TimeIndexEntry<T> = { item, removed: false };
    const last = this.#entries.at(-1);
    if (last === undefined || compareTracesByTime(last.item, item) <= 0) {
      this.#entries.push(entry);
    } else {
      this.#entries.splice(this.#upperBound(item), 0, entry);
    }
    return entry;
  }

  /** Removes the item of `entry`; removing it again does nothing. */
  remove(entry: TimeIndexEntry<T>): void {
    if (entry.removed) return;

    entry.removed = true;
    this.#removedCount++;
    if (this.#removedCount > this.#minRemovedBeforeCompaction && this.#removedCount > this.size) {
      this.#compact();
    }
  }

  /** Returns the live items with `from <= timestamp <= to`, in (timestamp, messageId) order. */
  range(from: number, to: number): TimeRangeResult<T> {
    const items: T[] = [];
    let visited = 0;
    for (let index = this.#lowerBoundOfTime(from); index < this.#entries.length; index++) {
      const entry = this.#entries[index]!;
      visited++;
      if (entry.item.timestamp > to) break;
      if (!entry.removed) items.push(entry.item);
    }
    return { items, visited };
  }

  /** Removes every item. */
  clear(): void {
    this.#entries.length = 0;
    this.#removedCount = 0;
  }

  #compact(): void {
    let write = 0;
    for (const entry of this.#entries) {
      if (!entry.removed) this.#entries[write++] = entry;
    }
    this.#entries.length = write;
    this.#removedCount = 0;
  }

  /** Index of the first slot whose timestamp is at least `time`. */
  #lowerBoundOfTime(time: number): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#entries[middle]!.item.timestamp < time) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Index of the first slot that sorts after `item`, so equal keys keep insertion order. */
  #upperBound(item: T): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareTracesByTime(this.#entries[middle]!.item, item) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
