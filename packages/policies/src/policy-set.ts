import type { PolicyContext } from '@whizbang/observability';

import { PolicyConfigBuilder } from './configuration-builder.js';
import { PolicyConfigurationError } from './errors.js';
import { PolicyEngine, type PolicyEngineOptions } from './policy-engine.js';
import { resolvePolicies, type PolicyRegistration } from './validation.js';

/**
 * Predicate of a policy: returns true when the policy applies to the message. It must be
 * synchronous and should be cheap, because it runs for every message until one policy matches.
 * A predicate that throws (or returns a promise) counts as no match, and the trail records why.
 *
 * @example
 * ```ts
 * const isOrder: PolicyPredicate = (ctx) => ctx.matchesAggregate('Order');
 * ```
 */
export type PolicyPredicate<TMessage = unknown> = (context: PolicyContext<TMessage>) => boolean;

/** Configuration callback of a policy: receives the builder and chains its options. */
export type PolicyConfigurer<TMessage = unknown> = (config: PolicyConfigBuilder<TMessage>) => unknown;

/**
 * Second half of `policies.when(name, predicate)`: `then` sets the policy's configuration and
 * returns the policy set, so registrations chain.
 */
export interface PolicyWhen<TMessage> {
  /** Sets the configuration of the policy and returns the policy set. */
  then(configure: PolicyConfigurer<TMessage>): PolicySet<TMessage>;
}

/** Name of the policy registered with {@link PolicySet.otherwise}. */
export const DEFAULT_POLICY_NAME = 'default';

/**
 * An ordered list of policies under construction. Register policies with `when(name,
 * predicate).then(configure)`, optionally a fallback with `otherwise(configure)`, then call
 * `build()` once to validate everything and get the {@link PolicyEngine}.
 *
 * Policies are evaluated in registration order and the first whose predicate returns true
 * wins. Every policy has a unique name, given as the first argument of `when`; trails, errors
 * and explain output identify policies by it.
 *
 * @example
 * ```ts
 * const policies = createPolicies<AppMessage>()
 *   .when('orders', (ctx) => ctx.matchesAggregate(Order))
 *   .then((cfg) => cfg.useTopic('orders').useStream((ctx) => `order-${ctx.getAggregateId()}`).withPartitions(4))
 *   .otherwise((cfg) => cfg.useTopic('misc'));
 * const engine = policies.build({ environment: 'production' });
 * ```
 */
export class PolicySet<TMessage = unknown> {
  readonly #registrations: PolicyRegistration<TMessage>[] = [];
  #fallback: PolicyRegistration<TMessage> | undefined;
  readonly #problems: string[] = [];

  /**
   * Registers a policy named `name` that applies when `predicate` returns true. Complete the
   * registration with `.then(configure)`.
   */
  when(name: string, predicate: PolicyPredicate<TMessage>): PolicyWhen<TMessage> {
    const registration: PolicyRegistration<TMessage> = {
      name,
      predicate,
      position: this.#registrations.length + 1,
      config: undefined,
    };
    this.#registrations.push(registration);

    const pending: PolicyWhen<TMessage> = {
      then: (configure: PolicyConfigurer<TMessage>): PolicySet<TMessage> => {
        if (registration.config !== undefined) {
          this.#problems.push(`Policy "${String(name)}": then() was called more than once. Configure each policy in one then() call.`);
          return this;
        }
        registration.config = runConfigurer(String(name), configure, this.#problems);
        return this;
      },
    };

    // TypeScript rejects `.when(...).build()`, but plain JavaScript would get "build is not a
    // function". These members, absent from PolicyWhen's type, name the forgotten then() instead.
    for (const method of ['when', 'otherwise', 'build'] as const) {
      Object.defineProperty(pending, method, { value: () => missingThen(String(name), method), enumerable: false });
    }
    return pending;
  }

  /**
   * Sets the default policy, named `"default"`, that applies when no registered policy matches.
   * Without one, a message that matches nothing is rejected with `NoMatchingPolicyError`.
   */
  otherwise(configure: PolicyConfigurer<TMessage>): this {
    if (this.#fallback !== undefined) {
      this.#problems.push('otherwise() was called more than once. Set one default policy.');
      return this;
    }
    this.#fallback = {
      name: DEFAULT_POLICY_NAME,
      predicate: undefined,
      position: 0,
      config: runConfigurer(DEFAULT_POLICY_NAME, configure, this.#problems),
    };
    return this;
  }

  /**
   * Validates every policy and creates the engine. The configuration is resolved once here and
   * frozen; later changes to this set do not affect engines already built.
   *
   * @throws PolicyConfigurationError listing every problem found (missing topic, invalid
   * partition count, serial strategy with concurrency above 1, duplicate names, objects that are
   * not a router, provider or strategy, invalid bulkhead limits or timeout, invalid options).
   */
  build(options: PolicyEngineOptions = {}): PolicyEngine<TMessage> {
    const resolved = resolvePolicies(this.#registrations, this.#fallback, this.#problems, options);
    return new PolicyEngine(resolved, options);
  }
}

/**
 * Creates an empty {@link PolicySet}. `TMessage` types the message seen by predicates, stream
 * selectors and handlers (default `unknown`).
 *
 * @example
 * ```ts
 * const policies = createPolicies<OrderPlaced | OrderShipped>();
 * ```
 */
export function createPolicies<TMessage = unknown>(): PolicySet<TMessage> {
  return new PolicySet<TMessage>();
}

function missingThen(name: string, method: string): never {
  throw new PolicyConfigurationError([
    `Policy "${name}" has no configuration: call .then((cfg) => cfg.useTopic('name')) after .when('${name}', predicate), before .${method}().`,
  ]);
}

function runConfigurer<TMessage>(name: string, configure: unknown, problems: string[]): PolicyConfigBuilder<TMessage> {
  const builder = new PolicyConfigBuilder<TMessage>(name);
  if (typeof configure !== 'function') {
    problems.push(`Policy "${name}": then() needs a function such as (cfg) => cfg.useTopic('orders'), received ${String(configure)}.`);
    return builder;
  }

  try {
    (configure as PolicyConfigurer<TMessage>)(builder);
  } catch (error) {
    problems.push(`Policy "${name}": its configuration callback threw: ${error instanceof Error ? error.message : String(error)}`);
  }
  return builder;
}
