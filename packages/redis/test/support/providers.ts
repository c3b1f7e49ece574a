import { PostgresSequenceFloor } from '@whizbang/postgres';
import { afterEach } from 'vitest';

import { RedisSequenceProvider, type RedisSequenceProviderOptions } from '../../src/index.js';
import { postgresUrl, redisUrl, uniquePrefix } from './servers.js';

const providers: RedisSequenceProvider[] = [];
const floors: PostgresSequenceFloor[] = [];

afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
  await Promise.all(floors.splice(0).map((floor) => floor.close()));
});

/** Creates a durable floor in this run's PostgreSQL database, closed after the test. */
export function createFloor(namespace = uniquePrefix('floor')): PostgresSequenceFloor {
  const floor = new PostgresSequenceFloor({ connectionString: postgresUrl(), namespace });
  floors.push(floor);
  return floor;
}

/** Creates a provider on a fresh key prefix of the shared server, closed after the test. */
export function createProvider(options: Partial<RedisSequenceProviderOptions> = {}): RedisSequenceProvider {
  const provider = new RedisSequenceProvider({
    ...(options.client === undefined ? { url: redisUrl() } : {}),
    keyPrefix: uniquePrefix(),
    ...options,
  });
  providers.push(provider);
  return provider;
}
