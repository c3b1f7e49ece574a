/**
 * A map from each key to a set of values. A key whose last value is deleted is removed, so the
 * number of keys never exceeds the number of values.
 */
export class SetMultimap<K, V> {
  readonly #sets = new Map<K, Set<V>>();
  #valueCount = 0;

  /** Number of keys with at least one value. */
  get keyCount(): number {
    return this.#sets.size;
  }

  /** Number of (key, value) pairs. */
  get valueCount(): number {
    return this.#valueCount;
  }

  /** Returns the values of `key` in insertion order, or undefined when it has none. */
  get(key: K): ReadonlySet<V> | undefined {
    return this.#sets.get(key);
  }

  /** Adds `value` under `key`; adding a pair that exists does nothing. */
  add(key: K, value: V): void {
    let set = this.#sets.get(key);
    if (set === undefined) {
      set = new Set();
      this.#sets.set(key, set);
    }

    const before = set.size;
    set.add(value);
    this.#valueCount += set.size - before;
  }

  /** Deletes `value` from `key`; deleting a missing pair does nothing. */
  delete(key: K, value: V): void {
    const set = this.#sets.get(key);
    if (set === undefined || !set.delete(value)) return;

    this.#valueCount--;
    if (set.size === 0) this.#sets.delete(key);
  }

  /** Removes every key and value. */
  clear(): void {
    this.#sets.clear();
    this.#valueCount = 0;
  }
}
