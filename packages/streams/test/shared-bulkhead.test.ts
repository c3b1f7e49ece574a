import { BulkheadRejectedError } from '@whizbang/execution';
import { describe, expect, it } from 'vitest';

import { ADMITTED, QUEUED, REJECTED, SharedBulkhead } from '../src/shared-bulkhead.js';

describe('SharedBulkhead', () => {
  it('admits, queues, then rejects', () => {
    const bulkhead = new SharedBulkhead({ name: 'b', maxConcurrency: 2, maxQueue: 1 });
    expect(bulkhead.admit()).toBe(ADMITTED);
    expect(bulkhead.admit()).toBe(ADMITTED);
    expect(bulkhead.admit()).toBe(QUEUED);

    const entered: string[] = [];
    bulkhead.wait(() => entered.push('third'));
    expect(bulkhead.admit()).toBe(REJECTED);
    expect(bulkhead.rejection()).toBeInstanceOf(BulkheadRejectedError);

    bulkhead.release();
    expect(entered).toEqual(['third']);
    expect(bulkhead.active).toBe(2);
    bulkhead.release();
    bulkhead.release();
    expect(bulkhead.active).toBe(0);
  });

  it('never lets a newcomer overtake the queue', () => {
    const bulkhead = new SharedBulkhead({ name: 'b', maxConcurrency: 1, maxQueue: 5 });
    expect(bulkhead.admit()).toBe(ADMITTED);
    expect(bulkhead.admit()).toBe(QUEUED);
    bulkhead.wait(() => undefined);

    // A permit is free only while the queue is served: the next caller still queues.
    expect(bulkhead.admit()).toBe(QUEUED);
  });

  it('serves thousands of waiters in order', () => {
    const bulkhead = new SharedBulkhead({ name: 'b', maxConcurrency: 1, maxQueue: Number.MAX_SAFE_INTEGER });
    expect(bulkhead.admit()).toBe(ADMITTED);

    const entered: number[] = [];
    for (let index = 0; index < 5_000; index++) {
      expect(bulkhead.admit()).toBe(QUEUED);
      bulkhead.wait(() => entered.push(index));
    }
    for (let index = 0; index < 5_000; index++) bulkhead.release();

    expect(entered).toEqual(Array.from({ length: 5_000 }, (_, index) => index));
    expect(bulkhead.queued).toBe(0);
    expect(bulkhead.active).toBe(1);
  });
});
