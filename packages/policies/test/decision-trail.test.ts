import { createEnvelope, PolicyDecisionTrail, type Clock, type PolicyDecision } from '@whizbang/observability';
import { RoundRobinPartitionRouter } from '@whizbang/partitioning';
import { describe, expect, it } from 'vitest';

import {
  createPolicies,
  DecisionReasons,
  InvalidStreamKeyError,
  NoMatchingPolicyError,
  type PolicyEngine,
  type PolicyEngineOptions,
} from '../src/index.js';

interface TestMessage {
  readonly type: string;
}

/** A clock that returns `start`, `start + 1`, ... and counts its reads. */
function countingClock(start: number): Clock & { reads: number } {
  const clock = {
    reads: 0,
    now(): number {
      clock.reads += 1;
      return start + clock.reads - 1;
    },
  };
  return clock;
}

/**
 * Policies that cover every kind of decision: plain misses, a throwing predicate, a predicate
 * that returns a promise, a match for messages of type "Match", and the default policy.
 */
function mixedEngine(options?: PolicyEngineOptions): PolicyEngine<TestMessage> {
  return createPolicies<TestMessage>()
    .when('first-miss', (ctx) => ctx.message.type === 'First')
    .then((cfg) => cfg.useTopic('first'))
    .when('throws', () => {
      throw new RangeError('bad data');
    })
    .then((cfg) => cfg.useTopic('thrown'))
    .when('second-miss', (ctx) => ctx.message.type === 'Second')
    .then((cfg) => cfg.useTopic('second'))
    .when('async', (async () => true) as never)
    .then((cfg) => cfg.useTopic('async'))
    .when('third-miss', (ctx) => ctx.message.type === 'Third')
    .then((cfg) => cfg.useTopic('third'))
    .when('match', (ctx) => ctx.message.type === 'Match')
    .then((cfg) => cfg.useTopic('matched').useStream('match-stream').withPartitions(4))
    .otherwise((cfg) => cfg.useTopic('fallback'))
    .build(options);
}

function expectedMiss(engine: PolicyEngine<TestMessage>, index: number, timestamp: number): PolicyDecision {
  const policy = engine.policies[index]!;
  return {
    policyName: policy.name,
    rule: policy.rule,
    matched: false,
    configuration: policy.summary,
    reason: DecisionReasons.notMatched,
    timestamp,
  };
}

/** Returns the decisions `mixedEngine` records for a message of type "Match", all at `timestamp`. */
function expectedMixedDecisions(engine: PolicyEngine<TestMessage>, timestamp: number): PolicyDecision[] {
  const [, throws, , asyncPolicy, , match] = engine.policies;
  return [
    expectedMiss(engine, 0, timestamp),
    {
      policyName: 'throws',
      rule: throws!.rule,
      matched: false,
      configuration: { ...throws!.summary, error: 'RangeError: bad data' },
      reason: `${DecisionReasons.threwPrefix}RangeError: bad data`,
      timestamp,
    },
    expectedMiss(engine, 2, timestamp),
    {
      policyName: 'async',
      rule: asyncPolicy!.rule,
      matched: false,
      configuration: asyncPolicy!.summary,
      reason: DecisionReasons.returnedPromise,
      timestamp,
    },
    expectedMiss(engine, 4, timestamp),
    {
      policyName: 'match',
      rule: match!.rule,
      matched: true,
      configuration: { ...match!.summary, streamKey: 'match-stream', partitionIndex: expect.any(Number) as number },
      reason: DecisionReasons.matched,
      timestamp,
    },
  ];
}

describe('decision trail of PolicyEngine.evaluate', () => {
  it('records every decision with one shared timestamp', () => {
    const engine = mixedEngine();
    const clock = countingClock(5_000);
    const envelope = createEnvelope<TestMessage>({ type: 'Match' }, { clock });
    const readsBefore = clock.reads;

    engine.evaluate(engine.createContext(envelope));

    expect(clock.reads - readsBefore).toBe(1);
    expect(envelope.policyTrail.decisions).toEqual(expectedMixedDecisions(engine, 5_000 + readsBefore));
  });

  it('keeps field order and configuration objects', () => {
    const engine = mixedEngine();
    const envelope = createEnvelope<TestMessage>({ type: 'Match' });
    engine.evaluate(engine.createContext(envelope));
    const decisions = envelope.policyTrail.decisions;

    for (const decision of decisions) {
      expect(Object.keys(decision)).toEqual(['policyName', 'rule', 'matched', 'configuration', 'reason', 'timestamp']);
    }
    expect(decisions[0]!.configuration).toBe(engine.policies[0]!.summary);
    expect(decisions[2]!.configuration).toBe(engine.policies[2]!.summary);
    expect(decisions[3]!.configuration).toBe(engine.policies[3]!.summary);
    expect(Object.keys(decisions[5]!.configuration as object)).toEqual([
      ...Object.keys(engine.policies[5]!.summary),
      'streamKey',
      'partitionIndex',
    ]);
  });

  it('freezes the decisions and keeps them stable across reads', () => {
    const engine = mixedEngine();
    const envelope = createEnvelope<TestMessage>({ type: 'Match' });
    engine.evaluate(engine.createContext(envelope));

    const first = envelope.policyTrail.decisions;
    const second = envelope.policyTrail.decisions;

    expect(Object.isFrozen(first)).toBe(true);
    expect(first.every((decision) => Object.isFrozen(decision))).toBe(true);
    expect(second).toBe(first);
    expect(envelope.policyTrail.toJSON().decisions).toBe(first);
  });

  it('writes the same JSON as decisions recorded one by one', () => {
    const engine = mixedEngine();
    const envelope = createEnvelope<TestMessage>({ type: 'Match' });
    engine.evaluate(engine.createContext(envelope));

    const byHand = new PolicyDecisionTrail();
    for (const decision of envelope.policyTrail.decisions) {
      byHand.recordDecision(decision.policyName, decision.rule, decision.matched, decision.configuration, decision.reason, decision.timestamp);
    }

    expect(JSON.stringify(envelope.policyTrail)).toBe(JSON.stringify(byHand));
    expect(PolicyDecisionTrail.fromJSON(JSON.parse(JSON.stringify(envelope.policyTrail))).decisions).toEqual(envelope.policyTrail.decisions);
  });

  it('appends a second evaluation with its own timestamp', () => {
    const engine = mixedEngine();
    const clock = countingClock(0);
    const envelope = createEnvelope<TestMessage>({ type: 'Match' }, { clock });

    engine.evaluate(engine.createContext(envelope));
    const afterFirst = envelope.policyTrail.decisions;
    engine.evaluate(engine.createContext(envelope));
    const afterSecond = envelope.policyTrail.decisions;

    expect(afterFirst).toHaveLength(6);
    expect(afterSecond).toHaveLength(12);
    expect(afterSecond.slice(0, 6)).toEqual(afterFirst);
    expect(afterSecond[0]).toBe(afterFirst[0]);

    const secondTimestamp = afterSecond[6]!.timestamp;
    expect(secondTimestamp).toBeGreaterThan(afterFirst[0]!.timestamp);
    expect(afterSecond.slice(6)).toEqual(expectedMixedDecisions(engine, secondTimestamp));
  });

  it('records all misses and the default policy', () => {
    const engine = mixedEngine();
    const envelope = createEnvelope<TestMessage>({ type: 'Other' });

    const match = engine.evaluate(engine.createContext(envelope));
    const decisions = envelope.policyTrail.decisions;
    const timestamp = decisions[0]!.timestamp;

    expect(match.policy.name).toBe('default');
    expect(decisions).toHaveLength(7);
    expect(decisions[5]).toEqual(expectedMiss(engine, 5, timestamp));
    expect(decisions[6]).toEqual({
      policyName: 'default',
      rule: engine.defaultPolicy!.rule,
      matched: true,
      configuration: { ...engine.defaultPolicy!.summary, streamKey: 'fallback', partitionIndex: 0 },
      reason: DecisionReasons.defaultApplied,
      timestamp,
    });
  });

  it('records misses before NoMatchingPolicyError', () => {
    const engine = createPolicies<TestMessage>()
      .when('a', () => false)
      .then((cfg) => cfg.useTopic('a'))
      .when('b', () => false)
      .then((cfg) => cfg.useTopic('b'))
      .build();
    const envelope = createEnvelope<TestMessage>({ type: 'X' });

    expect(() => engine.evaluate(engine.createContext(envelope))).toThrow(NoMatchingPolicyError);

    const decisions = envelope.policyTrail.decisions;
    expect(decisions).toEqual([expectedMiss(engine, 0, decisions[0]!.timestamp), expectedMiss(engine, 1, decisions[0]!.timestamp)]);
  });

  it('records a routing failure with the shared timestamp', () => {
    const engine = createPolicies<TestMessage>()
      .when('miss', () => false)
      .then((cfg) => cfg.useTopic('miss'))
      .when('broken', () => true)
      .then((cfg) => cfg.useTopic('broken').useStream(() => ''))
      .build();
    const clock = countingClock(100);
    const envelope = createEnvelope<TestMessage>({ type: 'X' }, { clock });
    const readsBefore = clock.reads;

    expect(() => engine.evaluate(engine.createContext(envelope))).toThrow(/stream key selector returned ""/);

    const decisions = envelope.policyTrail.decisions;
    expect(clock.reads - readsBefore).toBe(1);
    expect(decisions).toHaveLength(2);
    expect(decisions[0]).toEqual(expectedMiss(engine, 0, 100 + readsBefore));
    expect(decisions[1]).toMatchObject({ policyName: 'broken', matched: true, timestamp: 100 + readsBefore });
    expect(decisions[1]!.reason).toMatch(/^predicate returned true, but routing failed: InvalidStreamKeyError/);
  });

  it('shows earlier evaluations to a predicate that reads the trail', () => {
    const seen: (readonly string[])[] = [];
    const engine = createPolicies<TestMessage>()
      .when('a', () => false)
      .then((cfg) => cfg.useTopic('a'))
      .when('b', (ctx) => {
        seen.push(ctx.trail.decisions.map((decision) => decision.policyName));
        return false;
      })
      .then((cfg) => cfg.useTopic('b'))
      .when('c', () => true)
      .then((cfg) => cfg.useTopic('c'))
      .build();
    const envelope = createEnvelope<TestMessage>({ type: 'X' });

    engine.evaluate(engine.createContext(envelope));
    engine.evaluate(engine.createContext(envelope));

    expect(seen).toHaveLength(2);
    expect(seen[1]!.slice(0, 3)).toEqual(['a', 'b', 'c']);
    expect(envelope.policyTrail.decisions.map((decision) => decision.policyName)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });
});

describe('match configuration in the trail', () => {
  function lastDecision(engine: PolicyEngine<TestMessage>): PolicyDecision {
    const envelope = createEnvelope<TestMessage>({ type: 'Match' });
    engine.evaluate(engine.createContext(envelope));
    return envelope.policyTrail.decisions.at(-1)!;
  }

  it('shares one frozen configuration while the stream key and partition repeat', () => {
    const engine = mixedEngine();
    const [first, second, third] = [lastDecision(engine), lastDecision(engine), lastDecision(engine)];

    expect(second.configuration).toBe(first.configuration);
    expect(third.configuration).toBe(first.configuration);
    expect(Object.isFrozen(first.configuration)).toBe(true);
    for (const decision of [first, second, third]) {
      expect({ ...decision, timestamp: 0 }).toEqual({ ...first, timestamp: 0 });
      expect(Object.isFrozen(decision)).toBe(true);
    }
  });

  it('builds a new configuration when the partition changes', () => {
    const engine = createPolicies<TestMessage>()
      .when('match', () => true)
      .then((cfg) => cfg.useTopic('matched').useStream('shared').withPartitions(2).usePartitionRouter(new RoundRobinPartitionRouter()))
      .build();

    const decisions = [lastDecision(engine), lastDecision(engine), lastDecision(engine)];

    expect(decisions.map((decision) => (decision.configuration as { partitionIndex: number }).partitionIndex)).toEqual([0, 1, 0]);
    expect(decisions[1]!.configuration).not.toBe(decisions[0]!.configuration);
    expect(decisions[2]!.configuration).not.toBe(decisions[1]!.configuration);
  });
});

describe('recordDecisions option', () => {
  it('records nothing and reads no clock when false', () => {
    const engine = mixedEngine({ recordDecisions: false });
    const clock = countingClock(0);
    const envelope = createEnvelope<TestMessage>({ type: 'Match' }, { clock });
    const readsBefore = clock.reads;

    const match = engine.evaluate(engine.createContext(envelope));

    expect(match.policy.name).toBe('match');
    expect(match.streamKey).toBe('match-stream');
    expect(envelope.policyTrail.decisions).toEqual([]);
    expect(clock.reads).toBe(readsBefore);
    expect(engine.recordDecisions).toBe(false);
  });

  it('routes as the recording engine does', () => {
    const recording = mixedEngine();
    const silent = mixedEngine({ recordDecisions: false });

    for (const type of ['Match', 'First', 'Second', 'Third', 'Other']) {
      const expected = recording.evaluate(recording.createContext(createEnvelope<TestMessage>({ type })));
      const actual = silent.evaluate(silent.createContext(createEnvelope<TestMessage>({ type })));

      expect([actual.policy.name, actual.streamKey, actual.partitionIndex]).toEqual([expected.policy.name, expected.streamKey, expected.partitionIndex]);
    }
  });

  it('still throws NoMatchingPolicyError when false', () => {
    const engine = createPolicies<TestMessage>()
      .when('a', () => false)
      .then((cfg) => cfg.useTopic('a'))
      .build({ recordDecisions: false });
    const envelope = createEnvelope<TestMessage>({ type: 'X' });

    expect(() => engine.evaluate(engine.createContext(envelope))).toThrow(NoMatchingPolicyError);
    expect(envelope.policyTrail.decisions).toEqual([]);
  });

  it('throws a routing failure without recording it when false', () => {
    const engine = createPolicies<TestMessage>()
      .when('broken', () => true)
      .then((cfg) => cfg.useTopic('broken').useStream(() => ''))
      .build({ recordDecisions: false });
    const envelope = createEnvelope<TestMessage>({ type: 'X' });

    expect(() => engine.evaluate(engine.createContext(envelope))).toThrow(InvalidStreamKeyError);
    expect(envelope.policyTrail.decisions).toEqual([]);
  });

  it('defaults to true', () => {
    const engine = mixedEngine();
    const envelope = createEnvelope<TestMessage>({ type: 'Match' });
    engine.evaluate(engine.createContext(envelope));

    expect(engine.recordDecisions).toBe(true);
    expect(envelope.policyTrail.decisions).toHaveLength(6);
  });

  it('does not stop explain from recording', async () => {
    const engine = mixedEngine({ recordDecisions: false });

    const explanation = await engine.explain({ type: 'Match' });

    expect(explanation.decisions).toEqual(expectedMixedDecisions(engine, explanation.decisions[0]!.timestamp));
  });
});
