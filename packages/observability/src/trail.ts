import { systemClock, type Clock } from './clock.js';
import { describeValue } from './describe-value.js';

/**
 * One decision a policy took for a message: which rule it checked, whether the rule matched,
 * the configuration it applied and why.
 */
export interface PolicyDecision {
  /** Name of the policy, for example `"OrderPolicy"`. */
  readonly policyName: string;

  /** The rule that was checked, for example `"matchesAggregate(Order)"`. */
  readonly rule: string;

  /** True when the rule matched and the policy's configuration applies. */
  readonly matched: boolean;

  /** Configuration the policy applied, or the one it would have applied; stored by reference. */
  readonly configuration: unknown;

  /** Reason the rule matched or missed, for people reading the trail. */
  readonly reason: string;

  /** Wall-clock time of the decision, in milliseconds since the Unix epoch. */
  readonly timestamp: number;
}

/** JSON form of a {@link PolicyDecisionTrail}, as `JSON.stringify(trail)` writes it. */
export interface PolicyDecisionTrailJson {
  /** The decisions in the order they were recorded. */
  readonly decisions: readonly PolicyDecision[];
}

const NO_DECISIONS: readonly PolicyDecision[] = Object.freeze([]);

/**
 * Append-only, ordered record of the policy decisions taken for one message.
 *
 * Recording is meant for the dispatch hot path: it reads the clock once, creates one object
 * (frozen when the trail is next read) and builds no strings. Callers should pass constant
 * strings for the usual outcomes (a miss especially) and build a detailed reason only when it is
 * worth the cost.
 *
 * @example
 * ```ts
 * const trail = new PolicyDecisionTrail();
 * trail.recordDecision('OrderPolicy', 'matchesAggregate(Order)', true, { partitions: 4 }, 'aggregate is Order');
 * trail.decisions[0].matched; // true
 * ```
 */
export class PolicyDecisionTrail {
  readonly #clock: Clock;
  readonly #decisions: PolicyDecision[] = [];

  // Frozen copy handed out by `decisions`, rebuilt on the first read after a new decision.
  #snapshot: readonly PolicyDecision[] = NO_DECISIONS;

  /**
   * @param clock - Wall clock that timestamps decisions. Default: {@link systemClock}.
   * @throws TypeError when `clock` has no `now` function.
   */
  constructor(clock: Clock = systemClock) {
    if (typeof clock?.now !== 'function') {
      throw new TypeError(
        `Invalid clock: expected an object with a now() method returning milliseconds, received ${describeValue(clock)}.`,
      );
    }
    this.#clock = clock;
  }

  /**
   * Decisions in the order they were recorded. The array and its decisions are frozen, and a
   * later decision does not change an array read earlier.
   */
  get decisions(): readonly PolicyDecision[] {
    if (this.#snapshot.length !== this.#decisions.length) {
      // Decisions recorded since the last read are frozen now, before anything outside the trail
      // can see them: freezing costs about as much as creating the object, and trails are often
      // never read.
      for (let index = this.#snapshot.length; index < this.#decisions.length; index++) {
        Object.freeze(this.#decisions[index]);
      }
      this.#snapshot = Object.freeze(this.#decisions.slice());
    }
    return this.#snapshot;
  }

  /**
   * Appends a decision timestamped with the trail's clock.
   *
   * @param policyName - Name of the policy, for example `"OrderPolicy"`.
   * @param rule - The rule that was checked.
   * @param matched - True when the rule matched.
   * @param configuration - Configuration applied or considered, stored by reference (not copied).
   * @param reason - Why the rule matched or not. Pass a constant string on the hot path.
   * @throws TypeError when `policyName`, `rule` or `reason` is not a string or `matched` is not a boolean.
   */
  recordDecision(policyName: string, rule: string, matched: boolean, configuration: unknown, reason: string): void {
    if (typeof policyName !== 'string') throw invalidArgument('policyName', 'a string', policyName);
    if (typeof rule !== 'string') throw invalidArgument('rule', 'a string', rule);
    if (typeof matched !== 'boolean') throw invalidArgument('matched', 'a boolean', matched);
    if (typeof reason !== 'string') throw invalidArgument('reason', 'a string', reason);

    this.#decisions.push({ policyName, rule, matched, configuration, reason, timestamp: this.#clock.now() });
  }

  /** Returns the JSON form `{ decisions }`; `JSON.stringify(trail)` calls it. */
  toJSON(): PolicyDecisionTrailJson {
    return { decisions: this.decisions };
  }

  /**
   * Rebuilds a trail from its JSON form, keeping the recorded timestamps. Decisions recorded
   * on the new trail later use `clock`.
   *
   * @throws TypeError naming the first invalid field, for example `decisions[2].matched`.
   *
   * @example
   * ```ts
   * const trail = PolicyDecisionTrail.fromJSON(JSON.parse(row.policy_trail));
   * ```
   */
  static fromJSON(json: unknown, clock: Clock = systemClock): PolicyDecisionTrail {
    const decisions = (json as { decisions?: unknown } | null | undefined)?.decisions;
    if (!Array.isArray(decisions)) throw invalidArgument('json.decisions', 'an array of decisions', decisions);

    const trail = new PolicyDecisionTrail(clock);
    decisions.forEach((value: unknown, index) => {
      trail.#decisions.push(Object.freeze(decisionFromJSON(value, `decisions[${index}]`)));
    });
    return trail;
  }
}

function decisionFromJSON(value: unknown, path: string): PolicyDecision {
  if (typeof value !== 'object' || value === null) throw invalidArgument(path, 'an object', value);
  const fields = value as Record<string, unknown>;

  const { policyName, rule, matched, configuration, reason, timestamp } = fields;
  if (typeof policyName !== 'string') throw invalidArgument(`${path}.policyName`, 'a string', policyName);
  if (typeof rule !== 'string') throw invalidArgument(`${path}.rule`, 'a string', rule);
  if (typeof matched !== 'boolean') throw invalidArgument(`${path}.matched`, 'a boolean', matched);
  if (typeof reason !== 'string') throw invalidArgument(`${path}.reason`, 'a string', reason);
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw invalidArgument(`${path}.timestamp`, 'a finite number of milliseconds', timestamp);
  }

  return { policyName, rule, matched, configuration, reason, timestamp };
}

function invalidArgument(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`Invalid ${name}: expected ${expected}, received ${describeValue(value)}.`);
}
