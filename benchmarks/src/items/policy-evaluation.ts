import {
  createEnvelope,
  PolicyDecisionTrail,
  type MessageEnvelope,
  type PolicyContext,
} from '@whizbang/observability';
import { createPolicies, type MessagePolicyContext, type PolicyEngine } from '@whizbang/policies';

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

function buildEngine(): { engine: PolicyEngine<BenchMessage>; predicates: ((context: PolicyContext<BenchMessage>) => boolean)[] } {
  const predicates: ((context: PolicyContext<BenchMessage>) => boolean)[] = [];
  let policies = createPolicies<BenchMessage>();

  for (let index = 1; index <= POLICY_COUNT; index++) {
    const type = `Type${index}`;
    const predicate = (context: PolicyContext<BenchMessage>): boolean => context.message.type === type;
    predicates.push(predicate);
    policies = policies.when(`policy-${index}`, predicate).then((config) => config.useTopic(`topic-${index}`).useStream('orders'));
  }
  return { engine: policies.build(), predicates };
}

/**
 * A trail that records nothing, on a hand-built envelope, to time the engine's own work (calling
 * predicates, resolving the stream key and partition) apart from the decision trail.
 * NOTE: the engine has no option to turn the trail off, so this is the only way to measure it
 * without one. An application cannot choose this configuration.
 */
class DiscardingTrail extends PolicyDecisionTrail {
  override recordDecision(): void {}
}

function envelopeWithoutTrail(): MessageEnvelope<BenchMessage> {
  const envelope = createEnvelope(MESSAGE);
  // `policyTrail` is read-only in the type only; replacing it keeps the envelope's class.
  (envelope as { policyTrail: PolicyDecisionTrail }).policyTrail = new DiscardingTrail();
  return envelope;
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
    const { engine, predicates } = buildEngine();

    const withTrail = (context: MessagePolicyContext<BenchMessage>): number => engine.evaluate(context).partitionIndex;
    const freshContext = (): MessagePolicyContext<BenchMessage> => engine.createContext(createEnvelope(MESSAGE));

    const untrailedContext = engine.createContext(envelopeWithoutTrail());
    const withoutTrail = (): number => engine.evaluate(untrailedContext).partitionIndex;

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

    const comparison = await compareCandidates(
      [
        // Each call gets a new envelope (made untimed), because the trail grows with every call.
        { name: 'evaluate, with trail', role: 'item', setup: freshContext, run: withTrail },
        { name: 'evaluate, no trail', role: 'item', run: withoutTrail },
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
        'evaluate also computes the stream key and the partition (murmur2 hash) of the match; the loop only finds it.',
        '"no trail" replaces the envelope trail with one that records nothing: the engine has no switch for it.',
      ],
    });
  },
};
