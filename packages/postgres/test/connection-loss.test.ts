import { startGetNextLoops } from '@whizbang/testkit';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  PostgresConnectionError,
  PostgresQueryError,
  PostgresSequenceProvider,
  SequenceOutcomeUnknownError,
} from '../src/index.js';
import { adminUrl, terminateProviderConnections, testDatabaseUrl, uniqueSchema } from './support/postgres.js';

const CONNECTION_TIMEOUT_MS = 2_000;
const QUERY_TIMEOUT_MS = 3_000;

async function setConnectionsAllowed(allowed: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const database = new URL(testDatabaseUrl()).pathname.slice(1);
    await client.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${allowed ? 'true' : 'false'}`);
  } finally {
    await client.end();
  }
}

const providers: PostgresSequenceProvider[] = [];

afterEach(async () => {
  await setConnectionsAllowed(true);
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
});

describe.each([1, 50])('PostgresSequenceProvider connection loss (blockSize %i)', (blockSize) => {
  it('fails clearly and never repeats a number', async () => {
    const errorsSeenByPool: Error[] = [];
    const provider = new PostgresSequenceProvider({
      connectionString: testDatabaseUrl(),
      schema: uniqueSchema(),
      blockSize,
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
      statementTimeoutMillis: QUERY_TIMEOUT_MS,
      queryTimeoutMillis: QUERY_TIMEOUT_MS,
      maxConnections: 4,
      onError: (error) => errorsSeenByPool.push(error),
    });
    providers.push(provider);
    await provider.ensureSchema();
    const loops = startGetNextLoops(provider, 'lossy', 4);

    // Backends terminated while statements run.
    for (let round = 0; round < 3; round++) {
      const before = loops.numberCount();
      await vi.waitFor(() => expect(loops.numberCount()).toBeGreaterThan(before + 200), {
        timeout: 20_000,
      });
      await terminateProviderConnections();
    }

    // An outage: the database refuses new connections and the open ones are terminated.
    await setConnectionsAllowed(false);
    await terminateProviderConnections();
    const errorsBefore = loops.errorCount();
    await vi.waitFor(() => expect(loops.errorCount()).toBeGreaterThan(errorsBefore + 20), {
      timeout: 20_000,
    });
    await setConnectionsAllowed(true);

    // Recovery: calls succeed again.
    const afterOutage = loops.numberCount();
    await vi.waitFor(() => expect(loops.numberCount()).toBeGreaterThan(afterOutage + 200), {
      timeout: 20_000,
    });
    await loops.stop();

    const errors = loops.results.flatMap((result) => result.errors);
    const numbers = loops.results.flatMap((result) => result.numbers);
    expect(errors.length).toBeGreaterThan(20);
    for (const error of errors) {
      const known =
        error instanceof SequenceOutcomeUnknownError ||
        error instanceof PostgresConnectionError ||
        error instanceof PostgresQueryError;
      expect(known, String(error)).toBe(true);
      expect((error as Error).message).toContain('127.0.0.1');
    }
    expect(errors.some((error) => error instanceof PostgresConnectionError)).toBe(true);
    expect(errors.some((error) => error instanceof SequenceOutcomeUnknownError)).toBe(true);

    // Never hangs: a call settles within the connection timeout plus the query timeout.
    for (const result of loops.results) expect(result.maxCallMs).toBeLessThan(CONNECTION_TIMEOUT_MS + QUERY_TIMEOUT_MS + 1_000);

    expect(new Set(numbers).size).toBe(numbers.length);
    for (const result of loops.results) {
      for (let index = 1; index < result.numbers.length; index++) {
        expect(result.numbers[index]!).toBeGreaterThan(result.numbers[index - 1]!);
      }
    }
    expect(await provider.getNext('lossy')).toBeGreaterThan(Math.max(...numbers));
  });
});

describe('PostgresSequenceProvider unreachable server', () => {
  it('fails within the connection timeout', async () => {
    const provider = new PostgresSequenceProvider({
      connectionString: 'postgres://postgres@127.0.0.1:1/postgres',
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    });
    providers.push(provider);

    await expect(provider.getNext('x')).rejects.toThrow(PostgresConnectionError);
    await expect(provider.getCurrent('x')).rejects.toThrow(/Could not connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1/);
  });
});

describe('PostgresSequenceProvider timeouts and aborts', () => {
  it('times out behind a row lock', async () => {
    const schema = uniqueSchema();
    const provider = new PostgresSequenceProvider({
      connectionString: testDatabaseUrl(),
      schema,
      statementTimeoutMillis: 300,
      queryTimeoutMillis: 2_000,
    });
    providers.push(provider);
    expect(await provider.getNext('locked')).toBe(1);

    // Another session holds the row lock, so the provider's update waits until the server's
    // statement timeout cancels it.
    const locker = new pg.Client({ connectionString: testDatabaseUrl() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT value FROM ${schema}.whizbang_sequences WHERE stream_key = 'locked' FOR UPDATE`);

      const error = await provider.getNext('locked').then(
        () => undefined,
        (rejection: unknown) => rejection,
      );

      expect(error).toBeInstanceOf(PostgresQueryError);
      expect((error as PostgresQueryError).sqlState).toBe('57014');
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }

    // The cancelled statement was rolled back, so no number was lost.
    expect(await provider.getNext('locked')).toBe(2);
  });

  it('aborts while waiting for a connection', async () => {
    const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 1, connectionTimeoutMillis: 5_000, query_timeout: 5_000 });
    const provider = new PostgresSequenceProvider({ pool, schema: uniqueSchema() });
    providers.push(provider);
    expect(await provider.getNext('waiting')).toBe(1);

    const held = await pool.connect();
    const controller = new AbortController();
    const reason = new Error('caller went away');
    const pending = provider.getNext('waiting', controller.signal);
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
    held.release();
    expect(await provider.getNext('waiting')).toBe(2);

    await provider.close();
    expect(pool.ended).toBe(false);
    await pool.end();
  });
});
