import { randomBytes } from 'node:crypto';

import pg from 'pg';
import type { TestProject } from 'vitest/node';

import { redactConnectionString } from '../../src/redact.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the database created for this test run. */
    postgresUrl: string;
    /** URL of the server's maintenance database, for statements such as pg_terminate_backend. */
    postgresAdminUrl: string;
  }
}

const adminUrl = process.env['WHIZBANG_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const START_HINT = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/** Creates `whizbang_test_<random>` for this run and returns the teardown that drops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = `whizbang_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(async (client) => {
    await client.query(`CREATE DATABASE ${database}`);
    // The run's database is thrown away afterwards, so commits need not wait for the WAL flush.
    // What the tests check (atomic allocation, unique numbers, error handling) does not depend
    // on it, and a durable commit per number would make the cross-process runs take minutes.
    await client.query(`ALTER DATABASE ${database} SET synchronous_commit = off`);
  });

  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  project.provide('postgresUrl', url.toString());
  project.provide('postgresAdminUrl', adminUrl);

  return async () => {
    await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  };
}

async function withAdminClient(action: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is not reachable at ${redactConnectionString(adminUrl)} (${error instanceof Error ? error.message : String(error)}). ` +
        `Start it (for example: ${START_HINT}) or point WHIZBANG_POSTGRES_URL at a running server.`,
      { cause: error },
    );
  }
  try {
    await action(client);
  } finally {
    await client.end();
  }
}
