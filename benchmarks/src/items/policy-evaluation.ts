import { createEnvelope, type PolicyContext } from '@whizbang/observability';
import { createPolicies, type MessagePolicyContext, type PolicyEngine, type PolicyEngineOptions } from '@whizbang/policies';

import { compareCandidates, comparisonSettings } from '../harness/compare.js';
import { buildItemResult } from '../harness/item-result.js';
import type { BenchItem } from '../harness/types.js';

const POLICY_COUNT = 10;

interface BenchMessage {
  readonly type: string;
  readonly orderId: string;
}

/** The message every call evaluates: only the last policy's predicate matches it. */
const MESSAGE: BenchMessage = { type: `Type${POLICY_COUNT}`, orderId: 'order-42' };

/** Messages with a different order id each, for the rows whose stream key changes per message. */
const KEYED_MESSAGES: readonly BenchMessage[] = Array.from({ length: 1024 }, (_, index) => ({ type: `Type${POLICY_COUNT}`, orderId: `order-${index}` }));

function buildEngine(options: PolicyEngineOptions, keyPerMessage = false): { engine: PolicyEngine<BenchMessage>; predicates: ((context: PolicyContext<BenchMessage>) => boolean)[] } {
  const predicates: ((context: PolicyContext<BenchMessage>) => boolean)[] = [];
  let policies = createPolicies<BenchMessage>();

  for (let index = 1; index <= POLICY_COUNT; index++) {
    const type = `Type${index}`;
    const predicate = (context: PolicyContext<BenchMessage>): boolean => context.message.type === type;
    predicates.push(predicate);
    policies = policies
      .when(`policy-${index}`, predicate)
      .then((config) => config.useTopic(`topic-${index}`).useStream(keyPerMessage ? (context) => context.message.orderId : 'orders'));
  }
  return { engine: policies.build(options), predicates };
}

/**
 * Policy evaluation, 10 policies, match on the 10th: `PolicyEngine.evaluate` (which also resolves
 * the stream key and partition of the match) with and without its decision trail, against a
 * loop over the same 10 predicates.
 */
export const policyEvaluation: BenchItem = {
  name: 'policy-evaluation',
  packages: ['policies'],
  title: `policy evaluation, ${POLICY_COUNT} policies, match on the ${POLICY_COUNT}th`,

  async run(mode) {
    const { engine, predicates } = buildEngine({});
    // The same policies with `recordDecisions: false`, which times the engine's own work (calling
    // predicates, resolving the stream key and partition) without the decision trail.
    const untrailedEngine = buildEngine({ recordDecisions: false }).engine;

    const withTrail = (context: MessagePolicyContext<BenchMessage>): number => engine.evaluate(context).partitionIndex;
    const freshContext = (): MessagePolicyContext<BenchMessage> => engine.createContext(createEnvelope(MESSAGE));

    // Without a trail an evaluation changes nothing in its context, so one context serves every call.
    const untrailedContext = untrailedEngine.createContext(createEnvelope(MESSAGE));
    const withoutTrail = (): number => untrailedEngine.evaluate(untrailedContext).partitionIndex;

    // The same policies with the order id as stream key, so no call repeats the previous key and
    // the engine's reuse of the last partition and configuration never applies.
    const keyedEngine = buildEngine({}, true).engine;
    const untrailedKeyedEngine = buildEngine({ recordDecisions: false }, true).engine;
    let keyedCall = 0;
    const nextKeyedMessage = (): BenchMessage => KEYED_MESSAGES[keyedCall++ & 1023] as BenchMessage;
    const freshKeyedContext = (): MessagePolicyContext<BenchMessage> => keyedEngine.createContext(createEnvelope(nextKeyedMessage()));
    const keyedWithTrail = (context: MessagePolicyContext<BenchMessage>): number => keyedEngine.evaluate(context).partitionIndex;
    const untrailedKeyedContexts = KEYED_MESSAGES.map((message) => untrailedKeyedEngine.createContext(createEnvelope(message)));
    const keyedWithoutTrail = (): number =>
      untrailedKeyedEngine.evaluate(untrailedKeyedContexts[keyedCall++ & 1023] as MessagePolicyContext<BenchMessage>).partitionIndex;

    const loopContext = engine.createContext(createEnvelope(MESSAGE));
    const predicateLoop = (): number => {
      for (let index = 0; index < predicates.length; index++) {
        if ((predicates[index] as (context: PolicyContext<BenchMessage>) => boolean)(loopContext)) return index;
      }
      return -1;
    };

    const check = freshContext();
    const match = engine.evaluate(check);
    if (match.policy.name !== `policy-${POLICY_COUNT}` || check.envelope.policyTrail.decisions.length !== POLICY_COUNT) {
      throw new Error(`Expected policy-${POLICY_COUNT} to match after ${POLICY_COUNT - 1} misses; got ${match.policy.name}.`);
    }
    if (predicateLoop() !== POLICY_COUNT - 1) throw new Error('The predicate loop did not match the last predicate.');
    if (withoutTrail() !== match.partitionIndex || untrailedContext.envelope.policyTrail.decisions.length !== 0) {
      throw new Error('The engine built with recordDecisions: false routed differently or recorded decisions.');
    }

    const comparison = await compareCandidates(
      [
        // Each call gets a new envelope (made untimed), because the trail grows with every call.
        { name: 'evaluate, with trail', role: 'item', setup: freshContext, run: withTrail },
        { name: 'evaluate, no trail', role: 'item', run: withoutTrail },
        { name: 'evaluate, with trail, key per message', role: 'item', setup: freshKeyedContext, run: keyedWithTrail },
        { name: 'evaluate, no trail, key per message', role: 'item', run: keyedWithoutTrail },
        { name: 'predicate loop', role: 'baseline', run: predicateLoop },
      ],
      comparisonSettings(mode, 'short'),
    );

    return buildItemResult({
      item: this.name,
      title: this.title,
      comparison,
      targets: [
        { kind: 'cost', item: 'evaluate, no trail', baseline: 'predicate loop', max: 2 },
        { kind: 'cost', item: 'evaluate, with trail', baseline: 'predicate loop', max: 5 },
      ],
      notes: [
        'evaluate also resolves the stream key and partition of the match; the loop only finds it. The stream key is constant, so after the first call the engine reuses the hash router\'s partition and the match\'s trail configuration instead of computing them again.',
        '"no trail" is an engine built with recordDecisions: false. "with trail" records 9 misses and the match with one clock read, on a new envelope per call.',
        'The "key per message" rows use the order id as stream key, a new one on each call, so the engine hashes every key and records a new configuration for every match. They have no target; they show the cost when keys do not repeat.',
      ],
    });
  },
};
