import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the shared Redis server. */
    redisUrl: string;
    /** Prefix of every key this run creates on the shared server; deleted at the end. */
    redisKeyPrefix: string;
    /** URL of the PostgreSQL database created for this run's durable floors. */
    postgresUrl: string;
  }
}

const redisUrl = process.env['WHIZBANG_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const postgresAdminUrl = process.env['WHIZBANG_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';
const POSTGRES_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/**
 * Checks both servers, picks this run's Redis key prefix and creates its PostgreSQL database.
 * Returns the teardown that deletes both.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = randomBytes(6).toString('hex');
  const keyPrefix = `whizbang-test:${run}:`;
  const database = `whizbang_test_${run}`;

  const redis = await connectRedis();
  await redis.quit();
  await withPostgres(async (client) => {
    await client.query(`CREATE DATABASE ${database}`);
    // The run's database is thrown away afterwards, so commits need not wait for the WAL flush.
    // The tests check atomicity and uniqueness, which do not depend on it.
    await client.query(`ALTER DATABASE ${database} SET synchronous_commit = off`);
  });

  const postgresUrl = new URL(postgresAdminUrl);
  postgresUrl.pathname = `/${database}`;
  project.provide('redisUrl', redisUrl);
  project.provide('redisKeyPrefix', keyPrefix);
  project.provide('postgresUrl', postgresUrl.toString());

  return async () => {
    const cleanup = await connectRedis();
    try {
      await deleteKeys(cleanup, `${keyPrefix}*`);
    } finally {
      await cleanup.quit();
    }
    await withPostgres((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  };
}

/** Deletes every key matching `pattern` with SCAN and DEL, and returns how many were deleted. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

async function connectRedis(): Promise<Redis> {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${redisUrl} (${error instanceof Error ? error.message : String(error)}). ` +
        `Start it (for example: ${REDIS_START}) or point WHIZBANG_REDIS_URL at a running server.`,
      { cause: error },
    );
  }
  return redis;
}

async function withPostgres(action: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL (for the durable floor) is not reachable at ${new URL(postgresAdminUrl).host} ` +
        `(${error instanceof Error ? error.message : String(error)}). ` +
        `Start it (for example: ${POSTGRES_START}) or point WHIZBANG_POSTGRES_URL at a running server.`,
      { cause: error },
    );
  }
  try {
    await action(client);
  } finally {
    await client.end();
  }
}
