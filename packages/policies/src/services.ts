import type { ServiceKey } from '@whizbang/observability';

import { ServiceNotFoundError } from './errors.js';

/**
 * Services that policy predicates and handlers read through `PolicyContext.getService`: a `Map`
 * from key to service, or a plain object whose property names are the keys.
 *
 * @example
 * ```ts
 * const Pricing = serviceKey<PricingService>('pricing');
 * const services: ServiceEntries = new Map([[Pricing, new PricingService()]]);
 * ```
 */
export type ServiceEntries = ReadonlyMap<string | symbol, unknown> | Readonly<Record<string, unknown>>;

/**
 * Creates a typed service key: a unique symbol whose type carries the service type, so
 * `ctx.getService(key)` returns that type without a cast.
 *
 * @example
 * ```ts
 * const Pricing = serviceKey<PricingService>('pricing');
 * const pricing = ctx.getService(Pricing); // PricingService
 * ```
 */
export function serviceKey<T>(description: string): ServiceKey<T> {
  if (typeof description !== 'string' || description === '') {
    throw new TypeError(`Invalid description: ${String(description)}. Pass a non-empty string that names the service.`);
  }
  return Symbol(description);
}

/**
 * Read-only lookup of registered services, shared by every context of one engine.
 *
 * @example
 * ```ts
 * const services = new ServiceRegistry({ pricing });
 * services.get<PricingService>('pricing');
 * ```
 */
export class ServiceRegistry {
  readonly #services: ReadonlyMap<string | symbol, unknown>;

  /** @throws TypeError when `entries` is neither a Map nor an object. */
  constructor(entries: ServiceEntries | undefined) {
    if (entries === undefined) {
      this.#services = new Map();
    } else if (entries instanceof Map) {
      this.#services = new Map(entries);
    } else if (typeof entries === 'object' && entries !== null) {
      this.#services = new Map(Object.entries(entries));
    } else {
      throw new TypeError(`Invalid services: ${String(entries)}. Pass a Map or a plain object of services.`);
    }
  }

  /** Returns the service under `key`; throws {@link ServiceNotFoundError} when none is registered. */
  get<T>(key: ServiceKey<T>): T {
    if (!this.#services.has(key)) throw new ServiceNotFoundError(key, [...this.#services.keys()]);
    return this.#services.get(key) as T;
  }
}
