import Database from 'better-sqlite3';

import type { ResolvedConnectionOptions } from './connection-options.js';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** Extra pragmas of a connection that writes a lot, such as the trace store's writer. */
export interface WalLimits {
  /** `PRAGMA journal_size_limit`: size in bytes the WAL file is cut back to when it restarts. */
  readonly journalSizeLimitBytes: number;

  /** `PRAGMA wal_autocheckpoint`: WAL size in pages that makes a commit run a passive checkpoint. */
  readonly walAutoCheckpointPages: number;
}

/**
 * Opens a connection in WAL mode with the busy timeout and synchronous level of `options`.
 *
 * WAL lets readers run while one connection writes, and a commit appends to the WAL file, so a
 * process killed mid-transaction leaves the last committed state readable: SQLite ignores the
 * unfinished transaction's frames when it next opens the file.
 *
 * @internal
 */
export function openDatabase(options: ResolvedConnectionOptions, limits?: WalLimits): SqliteDatabase {
  const database = new Database(options.path, { timeout: options.busyTimeoutMs });

  try {
    // Switching to WAL needs a lock only the first time (when the file is still in rollback
    // mode). The busy timeout set by the constructor applies to it.
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);

    if (limits !== undefined) {
      database.pragma(`journal_size_limit = ${limits.journalSizeLimitBytes}`);
      database.pragma(`wal_autocheckpoint = ${limits.walAutoCheckpointPages}`);
    }
  } catch (error) {
    database.close();
    throw error;
  }

  return database;
}
