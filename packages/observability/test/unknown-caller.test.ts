import { describe, expect, it } from 'vitest';

import { hopToJSON, recordHop, UNKNOWN_CALLER, UNKNOWN_SOURCE_POSITION } from '../src/index.js';

describe('UNKNOWN_CALLER', () => {
  it('resolves to the unknown position', () => {
    expect(UNKNOWN_CALLER.resolve()).toBe(UNKNOWN_SOURCE_POSITION);
    expect(UNKNOWN_SOURCE_POSITION.origin).toBe('unknown');
    for (const field of ['functionName', 'filePath', 'relativePath', 'line', 'column'] as const) {
      expect(UNKNOWN_SOURCE_POSITION[field], field).toBeUndefined();
    }
    expect(Object.keys(UNKNOWN_SOURCE_POSITION)).toHaveLength(6);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(UNKNOWN_CALLER)).toBe(true);
    expect(Object.isFrozen(UNKNOWN_SOURCE_POSITION)).toBe(true);
  });

  it('records a hop with an unknown caller', () => {
    const hop = recordHop({ topic: 'orders', streamKey: 'order-42', executionStrategy: 'serial', startedAt: performance.now() }, UNKNOWN_CALLER);

    expect(hop.caller).toBe(UNKNOWN_CALLER);
    expect(hopToJSON(hop).caller.origin).toBe('unknown');
  });
});
