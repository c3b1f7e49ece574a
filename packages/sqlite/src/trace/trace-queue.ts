/**
 * First-in first-out queue on a ring buffer that grows by doubling. Removing from the front
 * costs O(1) and allocates nothing, unlike `Array.prototype.shift` or `splice`.
 *
 * @internal
 */
export class RingQueue<T> {
  #items: (T | undefined)[] = new Array<T | undefined>(16);
  #head = 0;
  #length = 0;

  /** Number of queued items. */
  get length(): number {
    return this.#length;
  }

  /** Appends `item` at the back. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  /** Returns the item `index` places behind the front (0 is the front). */
  at(index: number): T {
    if (index < 0 || index >= this.#length) {
      throw new RangeError(`RingQueue.at: index ${index} is outside 0..${this.#length - 1}.`);
    }
    return this.#items[(this.#head + index) & (this.#items.length - 1)] as T;
  }

  /** Removes `count` items from the front; the slots are cleared so the items can be collected. */
  discard(count: number): void {
    const removed = Math.min(count, this.#length);
    const mask = this.#items.length - 1;
    for (let index = 0; index < removed; index++) {
      this.#items[(this.#head + index) & mask] = undefined;
    }
    this.#head = (this.#head + removed) & mask;
    this.#length -= removed;
  }

  // The capacity stays a power of two, so `& (capacity - 1)` is the modulo.
  #grow(): void {
    const grown = new Array<T | undefined>(this.#items.length * 2);
    for (let index = 0; index < this.#length; index++) {
      grown[index] = this.#items[(this.#head + index) & (this.#items.length - 1)];
    }
    this.#items = grown;
    this.#head = 0;
  }
}
