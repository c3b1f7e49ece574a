/**
 * A map from each key to a set of values. A key whose last value is deleted is removed, so the
 * number of keys never exceeds the number of values.
 *
 * Most keys have one value (a correlation id with one message, a message with one child), so a
 * key's only value is kept directly and a `Set` is made only for its second. That saves a `Set`
 * allocation and its hashing per key. Values must not themselves be `Set` instances, because
 * `instanceof Set` distinguishes the two forms.
 */
export class SetMultimap<K, V extends object> {
  readonly #entries = new Map<K, V | Set<V>>();
  #valueCount = 0;

  /** Number of keys with at least one value. */
  get keyCount(): number {
    return this.#entries.size;
  }

  /** Number of (key, value) pairs. */
  get valueCount(): number {
    return this.#valueCount;
  }

  /** Returns the number of values of `key`, 0 when it has none. */
  sizeOf(key: K): number {
    const entry = this.#entries.get(key);
    if (entry === undefined) return 0;
    return entry instanceof Set ? entry.size : 1;
  }

  /** Returns the values of `key` in insertion order, or an empty array. */
  valuesOf(key: K): V[] {
    const entry = this.#entries.get(key);
    if (entry === undefined) return [];
    return entry instanceof Set ? Array.from(entry) : [entry];
  }

  /** Adds `value` under `key`; adding a pair that exists does nothing. */
  add(key: K, value: V): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#entries.set(key, value);
      this.#valueCount++;
    } else if (entry instanceof Set) {
      const before = entry.size;
      entry.add(value);
      this.#valueCount += entry.size - before;
    } else if (entry !== value) {
      this.#entries.set(key, new Set([entry, value]));
      this.#valueCount++;
    }
  }

  /** Deletes `value` from `key`; deleting a missing pair does nothing. */
  delete(key: K, value: V): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;

    if (!(entry instanceof Set)) {
      if (entry !== value) return;
      this.#entries.delete(key);
      this.#valueCount--;
      return;
    }

    if (!entry.delete(value)) return;
    this.#valueCount--;
    // Back to the direct form, so a key that shrinks to one value costs what a new one does.
    if (entry.size === 1) this.#entries.set(key, entry.values().next().value as V);
  }

  /** Removes every key and value. */
  clear(): void {
    this.#entries.clear();
    this.#valueCount = 0;
  }
}
