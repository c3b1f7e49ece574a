import { describe, expect, it, vi } from 'vitest';

import type { Clock } from '../src/clock.js';
import { PolicyDecisionTrail } from '../src/trail.js';

function steppingClock(start: number, step: number): Clock {
  let now = start - step;
  return { now: () => (now += step) };
}

describe('PolicyDecisionTrail', () => {
  it('records decisions in order with clock timestamps', () => {
    const trail = new PolicyDecisionTrail(steppingClock(1_000, 5));
    const configuration = { partitions: 4 };

    trail.recordDecision('OrderPolicy', 'matchesAggregate(Order)', true, configuration, 'aggregate is Order');
    trail.recordDecision('FallbackPolicy', 'always', false, undefined, 'not reached');

    expect(trail.decisions).toEqual([
      {
        policyName: 'OrderPolicy',
        rule: 'matchesAggregate(Order)',
        matched: true,
        configuration,
        reason: 'aggregate is Order',
        timestamp: 1_000,
      },
      {
        policyName: 'FallbackPolicy',
        rule: 'always',
        matched: false,
        configuration: undefined,
        reason: 'not reached',
        timestamp: 1_005,
      },
    ]);
    expect(trail.decisions[0]!.configuration).toBe(configuration);
  });

  it('reads the system clock by default', () => {
    const spy = vi.spyOn(Date, 'now').mockReturnValue(42_000);
    try {
      const trail = new PolicyDecisionTrail();
      trail.recordDecision('P', 'r', true, null, 'why');

      expect(trail.decisions[0]!.timestamp).toBe(42_000);
    } finally {
      spy.mockRestore();
    }
  });

  it('starts empty', () => {
    const trail = new PolicyDecisionTrail();

    expect(trail.decisions).toEqual([]);
    expect(trail.decisions.length).toBe(0);
  });

  it('rejects mutation of the decisions array', () => {
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));
    trail.recordDecision('P', 'r', true, null, 'why');
    const decisions = trail.decisions as unknown as unknown[];

    expect(() => decisions.push({})).toThrow(TypeError);
    expect(() => decisions.splice(0, 1)).toThrow(TypeError);
    expect(trail.decisions).toHaveLength(1);
  });

  it('rejects mutation of a recorded decision', () => {
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));
    trail.recordDecision('P', 'r', true, null, 'why');
    const decision = trail.decisions[0] as { matched: boolean };

    expect(() => {
      decision.matched = false;
    }).toThrow(TypeError);
    expect(trail.decisions[0]!.matched).toBe(true);
  });

  it('freezes decisions recorded after a read', () => {
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));
    trail.recordDecision('A', 'r', true, null, 'first');
    expect(Object.isFrozen(trail.decisions[0])).toBe(true);

    trail.recordDecision('B', 'r', false, null, 'second');
    trail.recordDecision('C', 'r', false, null, 'third');

    expect(trail.decisions.every((decision) => Object.isFrozen(decision))).toBe(true);
    expect(Object.isFrozen(trail.toJSON().decisions[2])).toBe(true);
  });

  it('keeps earlier snapshots unchanged', () => {
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));
    trail.recordDecision('A', 'r', true, null, 'first');
    const before = trail.decisions;
    trail.recordDecision('B', 'r', false, null, 'second');

    expect(before).toHaveLength(1);
    expect(trail.decisions).toHaveLength(2);
    expect(trail.decisions[0]).toBe(before[0]);
  });

  it('reads no clock for an unread trail beyond one per decision', () => {
    const now = vi.fn(() => 7);
    const trail = new PolicyDecisionTrail({ now });
    for (let i = 0; i < 100; i++) trail.recordDecision('P', 'r', i % 2 === 0, null, 'constant');

    expect(now).toHaveBeenCalledTimes(100);
    expect(trail.decisions).toHaveLength(100);
  });

  it('serialises to JSON and back', () => {
    const trail = new PolicyDecisionTrail(steppingClock(10, 1));
    trail.recordDecision('P', 'r', true, { maxConcurrency: 2 }, 'why');
    const json = JSON.parse(JSON.stringify(trail)) as unknown;

    expect(json).toEqual({
      decisions: [{ policyName: 'P', rule: 'r', matched: true, configuration: { maxConcurrency: 2 }, reason: 'why', timestamp: 10 }],
    });
    expect(PolicyDecisionTrail.fromJSON(json).decisions).toEqual(trail.decisions);
  });

  it('rejects malformed JSON trails', () => {
    expect(() => PolicyDecisionTrail.fromJSON(null)).toThrow(TypeError);
    expect(() => PolicyDecisionTrail.fromJSON({ decisions: [{ policyName: 1 }] })).toThrow(/decisions\[0\]\.policyName/);
    expect(() =>
      PolicyDecisionTrail.fromJSON({ decisions: [{ policyName: 'P', rule: 'r', matched: true, reason: 'x', timestamp: 'now' }] }),
    ).toThrow(/decisions\[0\]\.timestamp/);
  });

  it('rejects invalid arguments with named errors', () => {
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));

    expect(() => trail.recordDecision(1 as never, 'r', true, null, 'why')).toThrow(/policyName/);
    expect(() => trail.recordDecision('P', undefined as never, true, null, 'why')).toThrow(/rule/);
    expect(() => trail.recordDecision('P', 'r', 'yes' as never, null, 'why')).toThrow(/matched/);
    expect(() => trail.recordDecision('P', 'r', true, null, {} as never)).toThrow(/reason/);
    expect(trail.decisions).toHaveLength(0);
    expect(() => new PolicyDecisionTrail({} as Clock)).toThrow(/clock/);
  });
});
