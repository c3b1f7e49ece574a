import type { SqliteDatabase } from './open-database.js';

/** Result of `PRAGMA wal_checkpoint`; see {@link checkpointWithoutWaiting}. */
export interface WalCheckpointResult {
  /**
   * True when the checkpoint could not finish because another connection was reading an older
   * snapshot or writing. The frames it could copy are copied; the rest wait for a later one.
   */
  readonly busy: boolean;

  /** Frames in the WAL file before the checkpoint; -1 for a database not in WAL mode. */
  readonly walFrames: number;

  /** Frames copied into the database file; -1 for a database not in WAL mode. */
  readonly checkpointedFrames: number;
}

/** Checkpoint mode of `PRAGMA wal_checkpoint`. */
export type WalCheckpointMode = 'PASSIVE' | 'FULL' | 'RESTART' | 'TRUNCATE';

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * Runs `PRAGMA wal_checkpoint(mode)` with the busy timeout set to 0 for its duration, so it
 * never blocks the event loop waiting for readers or another writer: it copies what it can and
 * reports `busy` for the rest.
 *
 * @internal
 */
export function checkpointWithoutWaiting(
  database: SqliteDatabase,
  mode: WalCheckpointMode,
  busyTimeoutMs: number,
): WalCheckpointResult {
  database.pragma('busy_timeout = 0');
  try {
    const rows = database.pragma(`wal_checkpoint(${mode})`) as CheckpointRow[];
    const row = rows[0] ?? { busy: 0, log: -1, checkpointed: -1 };
    return { busy: row.busy !== 0, walFrames: row.log, checkpointedFrames: row.checkpointed };
  } finally {
    database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
}
