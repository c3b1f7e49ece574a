// Measures PostgresSequenceProvider throughput (numbers per second from one process) against the
// built dist, with and without block allocation, for 1 and 16 concurrent callers.
// Usage: npm run build && node bench/sequence-provider.bench.mjs [seconds per case, default 3]
// Server: WHIZBANG_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres). The
// benchmark creates its own schema and drops it at the end; commits are durable (the server's
// synchronous_commit setting applies), as in production.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';

import pg from 'pg';

import { PostgresSequenceProvider } from '../dist/index.js';

const url = process.env.WHIZBANG_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.argv[2] ?? 3);
const schema = `whizbang_bench_${randomBytes(4).toString('hex')}`;

const cases = [
  { blockSize: 1, callers: 1 },
  { blockSize: 1, callers: 16 },
  { blockSize: 100, callers: 1 },
  { blockSize: 100, callers: 16 },
];

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
try {
  for (const { blockSize, callers } of cases) {
    const provider = new PostgresSequenceProvider({ connectionString: url, schema, blockSize, maxConnections: 16 });
    try {
      const perSecond = await measure(provider, `bench-${blockSize}-${callers}`, callers);
      rows.push(`| ${blockSize} | ${callers} | ${Math.round(perSecond).toLocaleString('en-US')} |`);
    } finally {
      await provider.close();
    }
  }
} finally {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

console.log(`PostgresSequenceProvider, ${seconds} s per case, Node.js ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
console.log('| blockSize | concurrent callers | numbers per second |');
console.log('| ---: | ---: | ---: |');
for (const row of rows) console.log(row);
