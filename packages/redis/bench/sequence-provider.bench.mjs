// Measures RedisSequenceProvider throughput (numbers per second from one process) against the
// built dist: without a floor, with a PostgreSQL floor (step 100 and step 1), and with
// auto-pipelining off and on, for 1 and 64 concurrent callers.
// Usage: npm run build && node bench/sequence-provider.bench.mjs [seconds per case, default 3]
// Servers: WHIZBANG_REDIS_URL (default redis://127.0.0.1:6379) and WHIZBANG_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/postgres). The benchmark uses a random key prefix and its
// own floor schema, and deletes both at the end.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';

import { PostgresSequenceFloor } from '@whizbang/postgres';
import { Redis } from 'ioredis';
import pg from 'pg';

import { RedisSequenceProvider } from '../dist/index.js';

const redisUrl = process.env.WHIZBANG_REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresUrl = process.env.WHIZBANG_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.argv[2] ?? 3);
const run = randomBytes(4).toString('hex');
const keyPrefix = `whizbang-bench:${run}:`;
const schema = `whizbang_bench_${run}`;

const cases = [];
for (const floorStep of [undefined, 100, 1]) {
  for (const autoPipelining of [false, true]) {
    for (const callers of [1, 64]) cases.push({ floorStep, autoPipelining, callers });
  }
}

/** Runs `callers` loops of getNext on one stream for `seconds` and returns numbers per second. */
async function measure(provider, streamKey, callers) {
  for (let warmup = 0; warmup < 200; warmup++) await provider.getNext(streamKey);

  let count = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        await provider.getNext(streamKey);
        count++;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const rows = [];
const floor = new PostgresSequenceFloor({ connectionString: postgresUrl, schema, namespace: keyPrefix });
try {
  for (const { floorStep, autoPipelining, callers } of cases) {
    const provider = new RedisSequenceProvider({
      url: redisUrl,
      keyPrefix,
      autoPipelining,
      ...(floorStep === undefined ? {} : { floor, floorStep }),
    });
    try {
      const stream = `bench-${floorStep ?? 'none'}-${autoPipelining}-${callers}`;
      const perSecond = await measure(provider, stream, callers);
      const floorLabel = floorStep === undefined ? 'none' : `PostgreSQL, step ${floorStep}`;
      rows.push(`| ${floorLabel} | ${autoPipelining ? 'on' : 'off'} | ${callers} | ${Math.round(perSecond).toLocaleString('en-US')} |`);
    } finally {
      await provider.close();
    }
  }
} finally {
  await floor.close();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

console.log(`RedisSequenceProvider, ${seconds} s per case, Node.js ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
console.log('| floor | auto-pipelining | concurrent callers | numbers per second |');
console.log('| --- | --- | ---: | ---: |');
for (const row of rows) console.log(row);
