/**
 * Numbers that one provider instance has allocated for one stream and not yet handed out: the
 * range `next..end` (inclusive). `lastIssued` is the last number this instance handed out from it.
 */
export interface SequenceBlock {
  next: number;
  end: number;
  lastIssued: number;
  /** Allocation in flight for this stream, which concurrent callers wait for instead of starting their own. */
  refill: Promise<void> | undefined;
}

/**
 * Per-stream blocks, evicted oldest-first once more than `maxStreams` streams are cached. An
 * evicted stream's unused numbers are never handed out (a gap), which keeps numbers unique.
 */
export class SequenceBlockCache {
  readonly #blocks = new Map<string, SequenceBlock>();
  readonly #maxStreams: number;

  constructor(maxStreams: number) {
    this.#maxStreams = maxStreams;
  }

  get(streamKey: string): SequenceBlock | undefined {
    return this.#blocks.get(streamKey);
  }

  /** Returns the block of `streamKey`, creating an empty one (and evicting the oldest) when absent. */
  getOrCreate(streamKey: string): SequenceBlock {
    let block = this.#blocks.get(streamKey);
    if (block !== undefined) return block;

    block = { next: 1, end: 0, lastIssued: 0, refill: undefined };
    this.#blocks.set(streamKey, block);
    if (this.#blocks.size > this.#maxStreams) this.#evictOldestIdle();
    return block;
  }

  delete(streamKey: string): void {
    this.#blocks.delete(streamKey);
  }

  clear(): void {
    this.#blocks.clear();
  }

  #evictOldestIdle(): void {
    // A block with an allocation in flight has waiters that expect to find it, so it stays.
    for (const [key, block] of this.#blocks) {
      if (block.refill === undefined) {
        this.#blocks.delete(key);
        return;
      }
    }
  }
}
