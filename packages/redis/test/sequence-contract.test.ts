import { PostgresSequenceFloor } from '@whizbang/postgres';
import type { SequenceProvider } from '@whizbang/observability';
import { describeSequenceProviderContract } from '@whizbang/testkit';

import { RedisSequenceProvider } from '../src/index.js';
import { postgresUrl, redisUrl, uniquePrefix } from './support/servers.js';

const floors = new Map<SequenceProvider, PostgresSequenceFloor>();

// Each call is a round trip to a real server, so the concurrency check uses 50 callers of 100
// calls each (5,000 numbers) instead of the default million; the callers still run at once.
const contractOptions = {
  concurrentCallers: 50,
  callsPerCaller: 100,
  cleanup: async (provider: SequenceProvider) => {
    await (provider as RedisSequenceProvider).close();
    await floors.get(provider)?.close();
    floors.delete(provider);
  },
};

describeSequenceProviderContract(
  'RedisSequenceProvider',
  () => new RedisSequenceProvider({ url: redisUrl(), keyPrefix: uniquePrefix('contract') }),
  contractOptions,
);

describeSequenceProviderContract(
  'RedisSequenceProvider with a PostgreSQL floor',
  () => {
    const floor = new PostgresSequenceFloor({ connectionString: postgresUrl(), namespace: uniquePrefix('contract') });
    const provider = new RedisSequenceProvider({ url: redisUrl(), keyPrefix: uniquePrefix('contract'), floor });
    floors.set(provider, floor);
    return provider;
  },
  contractOptions,
);

describeSequenceProviderContract(
  'RedisSequenceProvider with auto-pipelining and a floor step of 1',
  () => {
    const floor = new PostgresSequenceFloor({ connectionString: postgresUrl(), namespace: uniquePrefix('contract') });
    const provider = new RedisSequenceProvider({
      url: redisUrl(),
      keyPrefix: uniquePrefix('contract'),
      floor,
      floorStep: 1,
      autoPipelining: true,
    });
    floors.set(provider, floor);
    return provider;
  },
  contractOptions,
);
