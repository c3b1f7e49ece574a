import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { inject } from 'vitest';

/** URL of the database created for this test run. */
export function testDatabaseUrl(): string {
  return inject('postgresUrl');
}

/** URL of the server's maintenance database. */
export function adminUrl(): string {
  return inject('postgresAdminUrl');
}

/** Returns a fresh schema name, so that each test starts from empty tables. */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Runs one statement on a short-lived connection to the test database. */
export async function query<Row extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    const result = await client.query<Row>(text, values);
    return result.rows;
  } finally {
    await client.end();
  }
}

/**
 * Terminates every connection to the test database whose application name is `whizbang`, from a
 * separate connection to the maintenance database, and returns how many were terminated.
 */
export async function terminateProviderConnections(): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const database = new URL(testDatabaseUrl()).pathname.slice(1);
    const result = await client.query<{ terminated: boolean }>(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
       WHERE datname = $1 AND application_name = 'whizbang' AND pid <> pg_backend_pid()`,
      [database],
    );
    return result.rows.filter((row) => row.terminated).length;
  } finally {
    await client.end();
  }
}
