/**
 * Thrown by `PolicySet.build()` when one or more policies are misconfigured. It lists every
 * problem found, not only the first, so one build run shows everything to fix.
 *
 * @example
 * ```ts
 * try {
 *   policies.build();
 * } catch (error) {
 *   if (error instanceof PolicyConfigurationError) console.error(error.errors.join('\n'));
 * }
 * ```
 */
export class PolicyConfigurationError extends Error {
  override readonly name = 'PolicyConfigurationError';

  /** One message per problem, in policy registration order. */
  readonly errors: readonly string[];

  constructor(errors: readonly string[]) {
    const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    super(`Invalid policy configuration (${count}):\n${errors.map((error) => `- ${error}`).join('\n')}`);
    this.errors = Object.freeze([...errors]);
  }
}

/**
 * Thrown when no policy matches a message and no default policy is set. The trail on the
 * message's envelope records why each policy did not match.
 *
 * @example
 * ```ts
 * policies.otherwise((cfg) => cfg.useTopic('unrouted')); // avoids this error
 * ```
 */
export class NoMatchingPolicyError extends Error {
  override readonly name = 'NoMatchingPolicyError';

  /** Message type of the unmatched message. */
  readonly messageType: string;

  /** Names of the policies that were evaluated, in order. */
  readonly evaluatedPolicies: readonly string[];

  constructor(messageType: string, evaluatedPolicies: readonly string[]) {
    const evaluated = evaluatedPolicies.length === 0 ? 'none (no policy is registered)' : evaluatedPolicies.map((name) => `"${name}"`).join(', ');
    super(
      `No policy matched message type "${messageType}". Policies evaluated: ${evaluated}. ` +
        'Add a policy whose predicate matches it, or set a default with policies.otherwise(...).',
    );
    this.messageType = messageType;
    this.evaluatedPolicies = Object.freeze([...evaluatedPolicies]);
  }
}

/**
 * Thrown by `PolicyContext.getService` when no service is registered under the key.
 *
 * @example
 * ```ts
 * policies.build({ services: new Map([[Clock, systemClock]]) }); // registers the key Clock
 * ```
 */
export class ServiceNotFoundError extends Error {
  override readonly name = 'ServiceNotFoundError';

  /** Key that was requested. */
  readonly key: string | symbol;

  constructor(key: string | symbol, registered: readonly (string | symbol)[]) {
    const list = registered.length === 0 ? 'none' : registered.map((entry) => describeKey(entry)).join(', ');
    super(
      `Service not found: ${describeKey(key)}. Registered services: ${list}. ` +
        'Pass it in the services option of policies.build() or createDispatcher().',
    );
    this.key = key;
  }
}

/**
 * Thrown when a policy's stream key selector returns something other than a non-empty string.
 *
 * @example
 * ```ts
 * cfg.useStream((ctx) => `order-${ctx.getAggregateId() ?? 'unknown'}`); // always a string
 * ```
 */
export class InvalidStreamKeyError extends TypeError {
  override readonly name = 'InvalidStreamKeyError';

  /** Name of the policy whose selector failed. */
  readonly policyName: string;

  constructor(policyName: string, received: unknown) {
    super(
      `Policy "${policyName}": the stream key selector returned ${describeValue(received)}; ` +
        'it must return a non-empty string, for example `order-${ctx.getAggregateId()}`.',
    );
    this.policyName = policyName;
  }
}

/** Formats a service key for messages: strings quoted, symbols as `Symbol(description)`. */
export function describeKey(key: string | symbol): string {
  return typeof key === 'string' ? JSON.stringify(key) : key.toString();
}

/** Formats a received value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `a function${value.name === '' ? '' : ` (${value.name})`}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' && name !== 'Object' ? `an instance of ${name}` : 'an object';
  }
  if (typeof value === 'symbol') return value.toString();
  return String(value);
}
