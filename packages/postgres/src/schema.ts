import { describeReceivedValue } from '@whizbang/observability';
import pg from 'pg';

import { messageOf, type Connection } from './connection.js';
import { PostgresConnectionError, PostgresQueryError, PostgresSchemaVersionError } from './errors.js';

/** Schema used when a store is given none. */
export const DEFAULT_SCHEMA = 'whizbang';

/**
 * Name of the table that records, per component (`sequences`, `sequence_floors`, `traces`), the
 * schema version that this package created, so a newer package can migrate an older schema and an
 * older package can refuse a newer one.
 */
export const SCHEMA_VERSION_TABLE = 'whizbang_schema_version';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a schema name and returns it quoted for SQL. Identifiers cannot be passed as statement
 * parameters, so only lower-case letters, digits and underscores (at most 63 bytes, the PostgreSQL
 * identifier limit) are accepted.
 *
 * @throws TypeError when the name is not a string; RangeError when it has other characters.
 */
export function quoteSchemaName(schema: unknown): string {
  if (typeof schema !== 'string') {
    throw new TypeError(`options.schema must be a string such as "${DEFAULT_SCHEMA}", received ${describeReceivedValue(schema)}.`);
  }
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError(
      `Invalid options.schema ${JSON.stringify(schema)}: use 1 to 63 lower-case letters, digits and underscores, ` +
        'starting with a letter or underscore.',
    );
  }
  return `"${schema}"`;
}

/**
 * One schema component with its migrations: `migrations[i]` takes the component from version `i`
 * to version `i + 1`, so the current version is `migrations.length`.
 */
export interface SchemaComponent {
  readonly name: string;
  readonly migrations: readonly ((quotedSchema: string) => string)[];
}

/**
 * Creates or migrates one component in `schema`, in one transaction under an advisory lock, so
 * processes that start together neither race on `CREATE` nor apply a migration twice.
 *
 * @throws PostgresSchemaVersionError when the database has a newer version than this package supports.
 * @throws PostgresConnectionError or PostgresQueryError when the database cannot be reached or
 * rejects a statement (for example for lack of the CREATE privilege).
 */
export async function migrateSchema(connection: Connection, schema: string, component: SchemaComponent): Promise<void> {
  const quoted = quoteSchemaName(schema);
  const latest = component.migrations.length;

  let client: pg.PoolClient;
  try {
    client = await connection.pool.connect();
  } catch (error) {
    throw new PostgresConnectionError(
      `Could not connect to PostgreSQL at ${connection.endpoint} to create the ${component.name} tables: ${messageOf(error)}. ` +
        'Check that the server is running and the connection string is right.',
      connection.endpoint,
      { cause: error },
    );
  }

  let failure: Error | undefined;
  const ignoreClientError = (): void => {
    // The failure also rejects the statement that runs, which reports it.
  };
  client.on('error', ignoreClientError);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`whizbang-schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.${SCHEMA_VERSION_TABLE} (
         component text PRIMARY KEY,
         version integer NOT NULL,
         migrated_at timestamptz NOT NULL DEFAULT now()
       )`,
    );

    const result = await client.query<{ version: number }>(
      `SELECT version FROM ${quoted}.${SCHEMA_VERSION_TABLE} WHERE component = $1`,
      [component.name],
    );
    const current = result.rows[0]?.version ?? 0;
    if (current > latest) {
      throw new PostgresSchemaVersionError(
        `The ${component.name} tables in schema ${JSON.stringify(schema)} are at version ${current}, but this ` +
          `version of @whizbang/postgres knows versions up to ${latest}. Upgrade @whizbang/postgres.`,
      );
    }

    for (let version = current; version < latest; version++) {
      const migration = component.migrations[version];
      if (migration !== undefined) await client.query(migration(quoted));
    }
    if (current < latest) {
      await client.query(
        `INSERT INTO ${quoted}.${SCHEMA_VERSION_TABLE} (component, version) VALUES ($1, $2)
         ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()`,
        [component.name, latest],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof PostgresSchemaVersionError) throw error;

    const sqlState = error instanceof pg.DatabaseError ? error.code : undefined;
    throw new PostgresQueryError(
      `Could not create the ${component.name} tables in schema ${JSON.stringify(schema)} at ${connection.endpoint}: ` +
        `${messageOf(error)}. The role needs the CREATE privilege on the database, or create the schema beforehand.`,
      connection.endpoint,
      sqlState,
      { cause: error },
    );
  } finally {
    client.off('error', ignoreClientError);
    client.release(failure instanceof pg.DatabaseError || failure === undefined ? undefined : failure);
  }
}
