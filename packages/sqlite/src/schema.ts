import { SqliteSchemaVersionError } from './errors.js';
import type { SqliteDatabase } from './open-database.js';

/**
 * Table that records the schema version of each part of the database. One file can hold the
 * trace store and the sequence provider, so each part keeps its own version row instead of
 * sharing `PRAGMA user_version`.
 */
export const SCHEMA_TABLE = 'whizbang_schema';

/** One step that brings a part of the schema from `version - 1` to `version`. */
export interface SchemaMigration {
  readonly version: number;
  readonly sql: string;
}

/**
 * Creates or upgrades the tables of `component` inside the caller's write transaction, and
 * returns the version the file has afterwards.
 *
 * @param migrations - every migration of the component, in ascending version order from 1.
 * @throws SqliteSchemaVersionError when the file's version of `component` is newer than the
 *   last migration, before anything is changed.
 * @internal
 */
export function migrateSchema(
  database: SqliteDatabase,
  path: string,
  component: string,
  migrations: readonly SchemaMigration[],
): number {
  database.exec(
    `CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (component TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID`,
  );

  const row = database.prepare(`SELECT version FROM ${SCHEMA_TABLE} WHERE component = ?`).get(component) as
    | { version: number }
    | undefined;
  const found = row?.version ?? 0;
  const supported = migrations.length === 0 ? 0 : (migrations[migrations.length - 1]?.version ?? 0);

  if (found > supported) {
    throw new SqliteSchemaVersionError(path, component, found, supported);
  }

  for (const migration of migrations) {
    if (migration.version > found) database.exec(migration.sql);
  }

  if (supported > found) {
    database
      .prepare(
        `INSERT INTO ${SCHEMA_TABLE} (component, version) VALUES (?, ?) ` +
          'ON CONFLICT (component) DO UPDATE SET version = excluded.version',
      )
      .run(component, supported);
  }

  return supported;
}

/**
 * Reads the schema version of `component` stored in the file, 0 when the part was never
 * created. Meant for tools that inspect a file without opening a store on it.
 *
 * @example
 * ```ts
 * const version = readSchemaVersion(new Database('whizbang.db', { readonly: true }), 'traces');
 * ```
 */
export function readSchemaVersion(database: SqliteDatabase, component: string): number {
  const table = database
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(SCHEMA_TABLE) as { name: string } | undefined;
  if (table === undefined) return 0;

  const row = database.prepare(`SELECT version FROM ${SCHEMA_TABLE} WHERE component = ?`).get(component) as
    | { version: number }
    | undefined;
  return row?.version ?? 0;
}
