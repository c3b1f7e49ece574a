#!/usr/bin/env node
// Checks that the servers the integration suites need are reachable before
// any test runs, so a stopped server fails the run with a message that names
// it and gives the command that starts it, instead of a wall of connection errors.
// Each server is checked only when the package that tests against it exists.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Parses host and port from a URL such as postgres://user@127.0.0.1:5432/db, with defaults. */
function endpoint(url, defaultPort) {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

const servers = [
  {
    name: 'PostgreSQL',
    packageDir: 'packages/postgres',
    ...endpoint(process.env.WHIZBANG_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 5432),
    envVar: 'WHIZBANG_POSTGRES_URL',
    start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
  },
  {
    name: 'Redis',
    packageDir: 'packages/redis',
    ...endpoint(process.env.WHIZBANG_REDIS_URL ?? 'redis://127.0.0.1:6379', 6379),
    envVar: 'WHIZBANG_REDIS_URL',
    start: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  },
];

/** Resolves true when a TCP connection opens within timeoutMs milliseconds. */
function reachable(host, port, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

let missing = 0;
for (const server of servers) {
  if (!existsSync(join(root, server.packageDir))) continue;
  if (await reachable(server.host, server.port)) {
    console.log(`${server.name}: reachable at ${server.host}:${server.port}`);
    continue;
  }
  missing += 1;
  console.error(
    `${server.name} is not reachable at ${server.host}:${server.port}. ` +
      `Start it (for example: ${server.start}) or point ${server.envVar} at a running server.`,
  );
}
process.exit(missing > 0 ? 1 : 0);
