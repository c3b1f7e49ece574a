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

/**
 * A decision without its timestamp, such as the miss of one policy: the same for every message,
 * so it can be built once and recorded by reference. See {@link PolicyDecisionTemplates}.
 */
export type PolicyDecisionTemplate = Omit<PolicyDecision, 'timestamp'>;

/**
 * A validated, frozen list of decision templates that {@link PolicyDecisionTrail.recordTemplates}
 * records by reference. Build it once (a policy engine builds one entry per policy) and record
 * ranges of it for every message. The trail then stores the list, the range and one timestamp
 * instead of one decision per template, and builds the decisions when it is read.
 *
 * @example
 * ```ts
 * const misses = new PolicyDecisionTemplates([
 *   { policyName: 'OrderPolicy', rule: 'matchesAggregate(Order)', matched: false, configuration: { partitions: 4 }, reason: 'no match' },
 * ]);
 * trail.recordTemplates(misses, 0, 1);
 * ```
 */
export class PolicyDecisionTemplates {
  /** The templates, each a frozen copy of the one passed in; configurations are kept by reference. */
  readonly templates: readonly PolicyDecisionTemplate[];

  /**
   * @param templates - Decisions without timestamps, copied and frozen.
   * @throws TypeError naming the first invalid field, for example `templates[2].matched`.
   */
  constructor(templates: readonly PolicyDecisionTemplate[]) {
    if (!Array.isArray(templates)) throw invalidArgument('templates', 'an array of decision templates', templates);

    this.templates = Object.freeze(templates.map((value: unknown, index) => Object.freeze(templateFromValue(value, `templates[${index}]`))));
    Object.freeze(this);
  }

  /** Number of templates. */
  get length(): number {
    return this.templates.length;
  }
}

// Templates of the entries that hold only a decision.
const NO_TEMPLATES = new PolicyDecisionTemplates([]);

/**
 * Decisions recorded but not yet read: templates `start` to `end - 1` of `templates`, all
 * timestamped `timestamp`, then `decision` if there is one.
 */
interface PendingEntry {
  readonly templates: PolicyDecisionTemplates;
  readonly start: number;
  readonly end: number;
  readonly timestamp: number;
  readonly decision: PolicyDecision | undefined;
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
 * Recording is meant for the dispatch hot path. `recordDecision` creates one object and builds
 * no strings, and it reads the clock only when no timestamp is passed. `recordTemplates` records
 * a range of prebuilt {@link PolicyDecisionTemplates}, such as a policy engine's misses, without
 * creating the decisions. A range, plus one decision or template after it, is kept in fields of
 * the trail, so recording one policy evaluation allocates at most the matched decision.
 * Decisions are built and frozen when the trail is next read, because freezing costs about as
 * much as creating the object and trails are often never read. Callers should pass constant
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

  // Frozen array handed out by `decisions`: every decision recorded up to the last read.
  #snapshot: readonly PolicyDecision[] = NO_DECISIONS;

  // The last entry recorded since the last read, a `PendingEntry` kept in fields of the trail so
  // that recording one policy evaluation, the usual content of a trail, allocates no entry
  // object. `#openTemplates` is undefined when nothing is pending. The entry's last decision is
  // either a decision or, when `#openLastIsTemplate`, a template timestamped `#openTimestamp`.
  #openTemplates: PolicyDecisionTemplates | undefined = undefined;
  #openStart = 0;
  #openEnd = 0;
  #openTimestamp = Number.NaN;
  #openLast: PolicyDecision | PolicyDecisionTemplate | undefined = undefined;
  #openLastIsTemplate = false;

  // Entries recorded since the last read before the open one, oldest first. An entry that holds
  // only a decision is kept as the decision itself.
  #closed: (PendingEntry | PolicyDecision)[] | undefined = undefined;

  /**
   * @param clock - Wall clock that timestamps decisions recorded without a timestamp. Default: {@link systemClock}.
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

  /** Wall clock that timestamps decisions recorded without a timestamp. */
  get clock(): Clock {
    return this.#clock;
  }

  /**
   * Decisions in the order they were recorded. The array and its decisions are frozen, and a
   * later decision does not change an array read earlier. Reading twice with nothing recorded
   * in between returns the same array.
   */
  get decisions(): readonly PolicyDecision[] {
    if (this.#openTemplates === undefined) return this.#snapshot;

    const decisions = this.#snapshot.slice();
    for (const entry of this.#closed ?? []) {
      if ('templates' in entry) {
        expandEntry(entry, decisions);
      } else {
        decisions.push(Object.freeze(entry));
      }
    }
    expandEntry(this.#openEntry(), decisions);

    this.#closed = undefined;
    this.#openTemplates = undefined;
    this.#openLast = undefined;
    this.#snapshot = Object.freeze(decisions);
    return this.#snapshot;
  }

  /**
   * Appends a decision.
   *
   * @param policyName - Name of the policy, for example `"OrderPolicy"`.
   * @param rule - The rule that was checked.
   * @param matched - True when the rule matched.
   * @param configuration - Configuration applied or considered, stored by reference (not copied).
   * @param reason - Why the rule matched or not. Pass a constant string on the hot path.
   * @param timestamp - Time of the decision in milliseconds since the Unix epoch. Default: the
   *   trail's clock, read now. Pass one to share a single clock read between several decisions.
   * @throws TypeError when `policyName`, `rule` or `reason` is not a string, `matched` is not a
   *   boolean, or `timestamp` is given and is not a finite number.
   */
  recordDecision(policyName: string, rule: string, matched: boolean, configuration: unknown, reason: string, timestamp?: number): void {
    if (typeof policyName !== 'string') throw invalidArgument('policyName', 'a string', policyName);
    if (typeof rule !== 'string') throw invalidArgument('rule', 'a string', rule);
    if (typeof matched !== 'boolean') throw invalidArgument('matched', 'a boolean', matched);
    if (typeof reason !== 'string') throw invalidArgument('reason', 'a string', reason);
    if (timestamp !== undefined) checkTimestamp(timestamp);

    const decision = { policyName, rule, matched, configuration, reason, timestamp: timestamp ?? this.#clock.now() };
    if (this.#openTemplates !== undefined && this.#openLast === undefined) {
      this.#openLast = decision;
      this.#openLastIsTemplate = false;
      return;
    }
    this.#open(NO_TEMPLATES, 0, 0, decision.timestamp, decision);
  }

  /**
   * Appends templates `start` to `end - 1` of `templates` as decisions with one timestamp. The
   * trail stores the range, not the decisions: each is built from its template, with the same
   * fields in the same order as `recordDecision` gives, when the trail is next read. A range
   * that continues the last one recorded (same list and timestamp, `start` equal to its end)
   * extends it, and a single template with the last range's timestamp is kept with that range:
   * neither allocates.
   *
   * @param templates - Prebuilt templates, created once with `new PolicyDecisionTemplates(...)`.
   * @param start - Index of the first template to record, from 0 to `templates.length`.
   * @param end - Index after the last template to record, from `start` to `templates.length`.
   * @param timestamp - Time of the decisions in milliseconds since the Unix epoch. Default: the
   *   trail's clock, read once for the whole range (and not at all for an empty range).
   * @throws TypeError when `templates` is not a {@link PolicyDecisionTemplates}, `start` or
   *   `end` is out of range, or `timestamp` is given and is not a finite number.
   */
  recordTemplates(templates: PolicyDecisionTemplates, start: number, end: number, timestamp?: number): void {
    if (!(templates instanceof PolicyDecisionTemplates)) {
      throw invalidArgument('templates', 'a PolicyDecisionTemplates instance', templates);
    }
    const length = templates.length;
    if (!Number.isInteger(start) || start < 0 || start > length) {
      throw invalidArgument('start', `an integer from 0 to ${length}`, start);
    }
    if (!Number.isInteger(end) || end < start || end > length) {
      throw invalidArgument('end', `an integer from ${start} to ${length}`, end);
    }
    if (timestamp !== undefined) checkTimestamp(timestamp);
    if (start === end) return;

    const at = timestamp ?? this.#clock.now();
    if (this.#openTemplates !== undefined && this.#openTimestamp === at && this.#openLast === undefined) {
      if (this.#openTemplates === templates && this.#openEnd === start) {
        this.#openEnd = end;
        return;
      }
      if (end - start === 1) {
        // One template after the open range, such as a policy engine's match after its misses.
        this.#openLast = templates.templates[start];
        this.#openLastIsTemplate = true;
        return;
      }
    }
    this.#open(templates, start, end, at, undefined);
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
    trail.#snapshot = Object.freeze(decisions.map((value: unknown, index) => Object.freeze(decisionFromJSON(value, `decisions[${index}]`))));
    return trail;
  }

  // The open entry, with a last template turned into a decision.
  #openEntry(): PendingEntry {
    const last = this.#openLast;
    const decision = this.#openLastIsTemplate ? decisionFromTemplate(last as PolicyDecisionTemplate, this.#openTimestamp) : (last as PolicyDecision | undefined);
    return { templates: this.#openTemplates as PolicyDecisionTemplates, start: this.#openStart, end: this.#openEnd, timestamp: this.#openTimestamp, decision };
  }

  // Makes a new entry the open one, moving the open entry, if any, to `#closed`.
  #open(templates: PolicyDecisionTemplates, start: number, end: number, timestamp: number, decision: PolicyDecision | undefined): void {
    if (this.#openTemplates !== undefined) {
      const onlyDecision = this.#openStart === this.#openEnd && !this.#openLastIsTemplate ? (this.#openLast as PolicyDecision | undefined) : undefined;
      (this.#closed ??= []).push(onlyDecision ?? this.#openEntry());
    }
    this.#openTemplates = templates;
    this.#openStart = start;
    this.#openEnd = end;
    this.#openTimestamp = timestamp;
    this.#openLast = decision;
    this.#openLastIsTemplate = false;
  }
}

// Appends the decisions of `entry`, frozen, to `decisions`.
function expandEntry(entry: PendingEntry, decisions: PolicyDecision[]): void {
  const templates = entry.templates.templates;
  for (let index = entry.start; index < entry.end; index++) {
    decisions.push(Object.freeze(decisionFromTemplate(templates[index] as PolicyDecisionTemplate, entry.timestamp)));
  }
  if (entry.decision !== undefined) decisions.push(Object.freeze(entry.decision));
}

function decisionFromTemplate(template: PolicyDecisionTemplate, timestamp: number): PolicyDecision {
  return {
    policyName: template.policyName,
    rule: template.rule,
    matched: template.matched,
    configuration: template.configuration,
    reason: template.reason,
    timestamp,
  };
}

function templateFromValue(value: unknown, path: string): PolicyDecisionTemplate {
  if (typeof value !== 'object' || value === null) throw invalidArgument(path, 'an object', value);

  const { policyName, rule, matched, configuration, reason } = value as Record<string, unknown>;
  if (typeof policyName !== 'string') throw invalidArgument(`${path}.policyName`, 'a string', policyName);
  if (typeof rule !== 'string') throw invalidArgument(`${path}.rule`, 'a string', rule);
  if (typeof matched !== 'boolean') throw invalidArgument(`${path}.matched`, 'a boolean', matched);
  if (typeof reason !== 'string') throw invalidArgument(`${path}.reason`, 'a string', reason);

  return { policyName, rule, matched, configuration, reason };
}

function checkTimestamp(timestamp: unknown): void {
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw invalidArgument('timestamp', 'a finite number of milliseconds', timestamp);
  }
}

function decisionFromJSON(value: unknown, path: string): PolicyDecision {
  const template = templateFromValue(value, path);
  const { timestamp } = value as Record<string, unknown>;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw invalidArgument(`${path}.timestamp`, 'a finite number of milliseconds', timestamp);
  }
  return decisionFromTemplate(template, timestamp);
}

function invalidArgument(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`Invalid ${name}: expected ${expected}, received ${describeValue(value)}.`);
}
