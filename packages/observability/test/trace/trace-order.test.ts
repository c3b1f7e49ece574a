import { describe, expect, it } from 'vitest';

import { compareTracesByTime } from '../../src/trace/trace-order.js';

describe('compareTracesByTime', () => {
  it('orders by timestamp first', () => {
    expect(compareTracesByTime({ timestamp: 1, messageId: 'b' }, { timestamp: 2, messageId: 'a' })).toBeLessThan(0);
    expect(compareTracesByTime({ timestamp: 2, messageId: 'a' }, { timestamp: 1, messageId: 'b' })).toBeGreaterThan(0);
  });

  it('breaks ties by message id', () => {
    expect(compareTracesByTime({ timestamp: 1, messageId: 'a' }, { timestamp: 1, messageId: 'b' })).toBeLessThan(0);
    expect(compareTracesByTime({ timestamp: 1, messageId: 'b' }, { timestamp: 1, messageId: 'a' })).toBeGreaterThan(0);
    expect(compareTracesByTime({ timestamp: 1, messageId: 'a' }, { timestamp: 1, messageId: 'a' })).toBe(0);
  });
});
