import type { MessageId } from '@whizbang/observability';

import type { TraceWriteError } from '../errors.js';
import type { WalCheckpointResult } from '../wal-checkpoint.js';

/** Value of `SqliteTraceStore.onDropped`: a trace that `whenFull: 'drop'` did not store. */
export interface TraceDroppedEvent {
  /** Message id of the dropped trace. */
  readonly messageId: MessageId;

  /** Traces dropped since the store was opened, this one included. */
  readonly dropped: number;

  /** The full queue's size, `maxQueue`. */
  readonly maxQueue: number;
}

/** Value of `SqliteTraceStore.onBatchCommitted`: one transaction the writer committed. */
export interface TraceBatchCommittedEvent {
  /** Message ids of the committed traces, in the order `store()` accepted them. */
  readonly messageIds: readonly MessageId[];

  /** Traces still waiting in the queue after this batch. */
  readonly queued: number;
}

/** Value of `SqliteTraceStore.onWriteError`: a batch the writer could not commit. */
export interface TraceWriteErrorEvent {
  /** The error, with the SQLite error as its `cause`. */
  readonly error: TraceWriteError;
}

/**
 * Value of `SqliteTraceStore.onCheckpoint`: a checkpoint the writer ran after a batch. A failed
 * checkpoint does not stop the writer (the next period tries again), so its error is reported
 * here and nowhere else.
 */
export type TraceCheckpointEvent =
  | { readonly ok: true; readonly result: WalCheckpointResult }
  | { readonly ok: false; readonly error: unknown };
