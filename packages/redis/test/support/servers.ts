import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** URL of the shared Redis server. */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** Returns a key prefix under this run's prefix, unique to the caller. */
export function uniquePrefix(label = 't'): string {
  return `${inject('redisKeyPrefix')}${label}-${randomBytes(4).toString('hex')}:`;
}

/** URL of the PostgreSQL database of this run. */
export function postgresUrl(): string {
  return inject('postgresUrl');
}

/** Creates a plain ioredis client for test checks, with the default (queueing) behaviour. */
export function adminClient(url = redisUrl()): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  return client;
}

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A redis-server of this test on 127.0.0.1, without persistence (a restart loses every key),
 * which the test can stop and start again on the same port.
 */
export class OwnRedisServer {
  readonly port: number;
  #process: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  /** Starts a server on a free port and resolves once it accepts commands. */
  static async start(): Promise<OwnRedisServer> {
    const server = new OwnRedisServer(await freePort());
    try {
      await server.restart();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server process (again) and waits until it replies to PING. */
  async restart(): Promise<void> {
    await this.stop();
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    this.#process = child;
    // A test process that dies must not leave its server running.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) => reject(new Error(`redis-server could not start: ${error.message}. Install redis-server.`)));
      child.once('spawn', () => resolve());
    });

    // The server needs a moment before it listens: probe up to 100 times, 50 ms apart.
    for (let attempt = 1; ; attempt++) {
      const probe = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch (error) {
        if (attempt >= 100) throw new Error(`redis-server on port ${this.port} did not start`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  }

  /** Stops the server process (SIGKILL, like a crash) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
