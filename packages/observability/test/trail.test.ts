import { describe, expect, it, vi } from 'vitest';

import type { Clock } from '../src/clock.js';
import { PolicyDecisionTemplates, PolicyDecisionTrail, type PolicyDecisionTemplate } from '../src/trail.js';

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

  it('uses an explicit timestamp without reading the clock', () => {
    const now = vi.fn(() => 7);
    const trail = new PolicyDecisionTrail({ now });

    trail.recordDecision('P', 'r', true, null, 'why', 1_234);

    expect(now).not.toHaveBeenCalled();
    expect(trail.decisions[0]!.timestamp).toBe(1_234);
  });

  it('rejects an invalid explicit timestamp', () => {
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));

    expect(() => trail.recordDecision('P', 'r', true, null, 'why', Number.NaN)).toThrow(/Invalid timestamp: expected a finite number of milliseconds, received number NaN/);
    expect(() => trail.recordDecision('P', 'r', true, null, 'why', '5' as never)).toThrow(TypeError);
    expect(trail.decisions).toHaveLength(0);
  });

  it('exposes its clock', () => {
    const clock = steppingClock(0, 1);

    expect(new PolicyDecisionTrail(clock).clock).toBe(clock);
  });
});

const SUMMARY_A = Object.freeze({ topic: 'a' });
const SUMMARY_B = Object.freeze({ topic: 'b' });
const SUMMARY_C = Object.freeze({ topic: 'c' });

function missTemplates(): PolicyDecisionTemplates {
  return new PolicyDecisionTemplates([
    { policyName: 'A', rule: 'ruleA', matched: false, configuration: SUMMARY_A, reason: 'missed' },
    { policyName: 'B', rule: 'ruleB', matched: false, configuration: SUMMARY_B, reason: 'missed' },
    { policyName: 'C', rule: 'ruleC', matched: false, configuration: SUMMARY_C, reason: 'missed' },
  ]);
}

describe('PolicyDecisionTemplates', () => {
  it('copies and freezes the templates', () => {
    const source: PolicyDecisionTemplate[] = [{ policyName: 'A', rule: 'r', matched: false, configuration: SUMMARY_A, reason: 'missed' }];
    const templates = new PolicyDecisionTemplates(source);
    source[0] = { policyName: 'changed', rule: 'r', matched: true, configuration: null, reason: 'x' };

    expect(templates.length).toBe(1);
    expect(templates.templates[0]).toEqual({ policyName: 'A', rule: 'r', matched: false, configuration: SUMMARY_A, reason: 'missed' });
    expect(templates.templates[0]!.configuration).toBe(SUMMARY_A);
    expect(Object.isFrozen(templates.templates)).toBe(true);
    expect(Object.isFrozen(templates.templates[0])).toBe(true);
    expect(Object.isFrozen(templates)).toBe(true);
  });

  it('rejects invalid templates with named errors', () => {
    expect(() => new PolicyDecisionTemplates(null as never)).toThrow(/Invalid templates: expected an array of decision templates, received null/);
    expect(() => new PolicyDecisionTemplates([null as never])).toThrow(/Invalid templates\[0\]: expected an object/);
    expect(() => new PolicyDecisionTemplates([{ policyName: 1, rule: 'r', matched: false, configuration: null, reason: 'x' } as never])).toThrow(
      /templates\[0\]\.policyName/,
    );
    expect(() => new PolicyDecisionTemplates([{ policyName: 'P', rule: 'r', matched: 'no', configuration: null, reason: 'x' } as never])).toThrow(
      /templates\[0\]\.matched/,
    );
    expect(() => new PolicyDecisionTemplates([{ policyName: 'P', rule: 3, matched: false, configuration: null, reason: 'x' } as never])).toThrow(
      /templates\[0\]\.rule/,
    );
    expect(() => new PolicyDecisionTemplates([{ policyName: 'P', rule: 'r', matched: false, configuration: null } as never])).toThrow(
      /Invalid templates\[0\]\.reason: expected a string, received undefined/,
    );
  });
});

describe('PolicyDecisionTrail.recordTemplates', () => {
  it('records a range with one timestamp', () => {
    const templates = missTemplates();
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));

    trail.recordTemplates(templates, 0, 2, 500);

    expect(trail.decisions).toEqual([
      { policyName: 'A', rule: 'ruleA', matched: false, configuration: SUMMARY_A, reason: 'missed', timestamp: 500 },
      { policyName: 'B', rule: 'ruleB', matched: false, configuration: SUMMARY_B, reason: 'missed', timestamp: 500 },
    ]);
    expect(trail.decisions[1]!.configuration).toBe(SUMMARY_B);
  });

  it('matches decisions recorded one by one', () => {
    const templates = missTemplates();
    const compact = new PolicyDecisionTrail(steppingClock(0, 1));
    const byHand = new PolicyDecisionTrail(steppingClock(0, 1));

    compact.recordTemplates(templates, 0, 1, 10);
    compact.recordTemplates(templates, 1, 2, 10);
    compact.recordDecision('X', 'ruleX', true, { topic: 'x' }, 'hit', 10);
    compact.recordTemplates(templates, 2, 3, 11);
    for (const [index, timestamp] of [
      [0, 10],
      [1, 10],
    ] as const) {
      const template = templates.templates[index]!;
      byHand.recordDecision(template.policyName, template.rule, template.matched, template.configuration, template.reason, timestamp);
    }
    byHand.recordDecision('X', 'ruleX', true, { topic: 'x' }, 'hit', 10);
    byHand.recordDecision('C', 'ruleC', false, SUMMARY_C, 'missed', 11);

    expect(compact.decisions).toEqual(byHand.decisions);
    expect(JSON.stringify(compact)).toBe(JSON.stringify(byHand));
    for (const decision of compact.decisions) {
      expect(Object.keys(decision)).toEqual(['policyName', 'rule', 'matched', 'configuration', 'reason', 'timestamp']);
    }
  });

  it('keeps ranges of different timestamps apart', () => {
    const templates = missTemplates();
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));

    trail.recordTemplates(templates, 0, 1, 1);
    trail.recordTemplates(templates, 1, 2, 2);
    trail.recordTemplates(templates, 0, 1, 3);

    expect(trail.decisions.map((decision) => [decision.policyName, decision.timestamp])).toEqual([
      ['A', 1],
      ['B', 2],
      ['A', 3],
    ]);
  });

  it('keeps the order around a single template from another list', () => {
    const templates = missTemplates();
    const matches = new PolicyDecisionTemplates([{ policyName: 'X', rule: 'ruleX', matched: true, configuration: null, reason: 'hit' }]);
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));

    trail.recordTemplates(templates, 0, 2, 5);
    trail.recordTemplates(matches, 0, 1, 5);
    trail.recordTemplates(templates, 2, 3, 5);
    trail.recordTemplates(matches, 0, 1, 6);
    trail.recordDecision('D', 'ruleD', false, null, 'after', 6);

    expect(trail.decisions.map((decision) => [decision.policyName, decision.timestamp])).toEqual([
      ['A', 5],
      ['B', 5],
      ['X', 5],
      ['C', 5],
      ['X', 6],
      ['D', 6],
    ]);
    expect(trail.decisions[2]).toEqual({ policyName: 'X', rule: 'ruleX', matched: true, configuration: null, reason: 'hit', timestamp: 5 });
  });

  it('reads the clock when no timestamp is given', () => {
    const now = vi.fn(() => 77);
    const trail = new PolicyDecisionTrail({ now });

    trail.recordTemplates(missTemplates(), 0, 3);

    expect(now).toHaveBeenCalledTimes(1);
    expect(trail.decisions.map((decision) => decision.timestamp)).toEqual([77, 77, 77]);
  });

  it('freezes expanded decisions and keeps snapshots', () => {
    const templates = missTemplates();
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));
    trail.recordTemplates(templates, 0, 1, 5);
    const before = trail.decisions;
    trail.recordTemplates(templates, 1, 3, 5);
    const after = trail.decisions;

    expect(before).toHaveLength(1);
    expect(after).toHaveLength(3);
    expect(after[0]).toBe(before[0]);
    expect(trail.decisions).toBe(after);
    expect(Object.isFrozen(after)).toBe(true);
    expect(after.every((decision) => Object.isFrozen(decision))).toBe(true);
    expect(() => (after as unknown as unknown[]).push({})).toThrow(TypeError);
  });

  it('records nothing for an empty range', () => {
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));

    trail.recordTemplates(missTemplates(), 2, 2, 5);

    expect(trail.decisions).toEqual([]);
  });

  it('rejects invalid arguments with named errors', () => {
    const templates = missTemplates();
    const trail = new PolicyDecisionTrail(steppingClock(0, 1));

    expect(() => trail.recordTemplates([] as never, 0, 0, 1)).toThrow(/Invalid templates: expected a PolicyDecisionTemplates instance, received array of length 0/);
    expect(() => trail.recordTemplates(templates, -1, 1, 1)).toThrow(/Invalid start: expected an integer from 0 to 3, received number -1/);
    expect(() => trail.recordTemplates(templates, 1.5, 2, 1)).toThrow(/Invalid start/);
    expect(() => trail.recordTemplates(templates, 2, 1, 1)).toThrow(/Invalid end: expected an integer from 2 to 3, received number 1/);
    expect(() => trail.recordTemplates(templates, 0, 4, 1)).toThrow(/Invalid end/);
    expect(() => trail.recordTemplates(templates, 0, 1, Number.POSITIVE_INFINITY)).toThrow(/Invalid timestamp/);
    expect(trail.decisions).toHaveLength(0);
  });
});
