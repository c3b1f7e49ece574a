import {
  parseCorrelationIdArgument,
  parseMessageIdArgument,
  parseTimeRangeArguments,
  throwIfAborted,
  TraceStoreClosedError,
  type CorrelationId,
  type MessageId,
  type MessageTrace,
  type TraceDecision,
  type TraceStore,
} from '@whizbang/observability';

import { retryOnBusySync } from '../busy-retry.js';
import { messageOf } from '../describe-value.js';
import { TraceWriteError } from '../errors.js';
import { openDatabase, type SqliteDatabase } from '../open-database.js';
import { migrateSchema } from '../schema.js';
import { EventEmitter, type Event } from '../typed-event.js';
import { checkpointWithoutWaiting, type WalCheckpointMode, type WalCheckpointResult } from '../wal-checkpoint.js';
import { prepareTrace } from './prepared-trace.js';
import { TraceBatchInsert } from './trace-batch-insert.js';
import { TraceQueries } from './trace-queries.js';
import { TRACE_MIGRATIONS, TRACES_COMPONENT } from './trace-schema.js';
import { resolveTraceStoreOptions, type ResolvedTraceStoreOptions, type SqliteTraceStoreOptions } from './trace-store-options.js';
import type {
  TraceBatchCommittedEvent,
  TraceCheckpointEvent,
  TraceDroppedEvent,
  TraceWriteErrorEvent,
} from './trace-writer-events.js';
import { TraceWriter } from './trace-writer.js';

/**
 * A {@link TraceStore} in a SQLite file (WAL mode), the embedded default store.
 *
 * **Writes never block dispatch.** `store()` validates the trace, converts it to row values
 * (one `JSON.stringify` each for hops, decisions and payload), puts them on a bounded queue and
 * resolves. A writer drains the queue from `setImmediate` callbacks in batches
 * of `batchSize` traces, each in one `BEGIN IMMEDIATE` transaction. When the queue contains
 * `maxQueue` traces, `whenFull` decides: `'wait'` (the default) makes `store()` wait for room,
 * `'drop'` resolves at once, counts the trace in {@link dropped} and fires {@link onDropped}.
 *
 * **Reads flush first.** Every query waits until the traces accepted before it are committed,
 * so a caller reads its own writes. A query therefore waits for the queue ahead of it (at most
 * `maxQueue` traces) and rejects with a `TraceWriteError` when the writer cannot write.
 *
 * **Durability.** Only committed batches survive a crash, and every committed batch survives it
 * whole: call {@link flush} or {@link close} before the process exits (see `closeOnShutdown`).
 * With `synchronous: 'normal'` a power loss can also undo the last commits.
 *
 * **Several processes** can write one file: each batch takes the write lock with
 * `BEGIN IMMEDIATE`, waits `busyTimeoutMs` for it, and is retried `maxBusyRetries` times with
 * asynchronous pauses before the writer reports a `TraceWriteError`.
 *
 * **WAL size.** The writer runs a checkpoint every `checkpointEveryBatches` batches that never
 * waits for readers. While another connection keeps a read transaction open, SQLite cannot
 * reset the WAL behind that reader's snapshot, so the WAL file grows with every write until the
 * reader ends; the next checkpoint after that truncates it.
 *
 * @example
 * ```ts
 * const store = new SqliteTraceStore({ path: 'traces.db' });
 * await store.store(createMessageTrace(envelope, { status: 'succeeded' }));
 * const workflow = await store.getByCorrelation(envelope.correlationId);
 * await store.close();
 * ```
 */
export class SqliteTraceStore implements TraceStore {
  /**
   * Fires for each trace that `whenFull: 'drop'` did not store, with the running count.
   * Listeners run inside `store()`, so they must be quick and must not throw.
   */
  readonly onDropped: Event<TraceDroppedEvent>;

  /** Fires after each committed batch with its message ids, for progress reports and tests. */
  readonly onBatchCommitted: Event<TraceBatchCommittedEvent>;

  /** Fires when the writer gives up on a batch; the same error rejects pending flushes and reads. */
  readonly onWriteError: Event<TraceWriteErrorEvent>;

  /**
   * Fires after each checkpoint the writer runs every `checkpointEveryBatches` batches, with
   * its result, or with its error (a failed checkpoint does not stop the writer).
   */
  readonly onCheckpoint: Event<TraceCheckpointEvent>;

  readonly #checkpointed = new EventEmitter<TraceCheckpointEvent>();
  readonly #options: ResolvedTraceStoreOptions;
  readonly #database: SqliteDatabase;
  readonly #queries: TraceQueries;
  readonly #writer: TraceWriter;
  #batchesSinceCheckpoint = 0;
  #closing: Promise<void> | undefined;

  /**
   * Opens (and creates when missing) the database file and the trace tables.
   *
   * @throws TypeError or RangeError when an option is invalid.
   * @throws SqliteSchemaVersionError when a newer `@whizbang/sqlite` created the file's trace
   *   tables; the message names both versions.
   * @throws SqliteBusyError when another connection kept the file locked through every retry.
   */
  constructor(options: SqliteTraceStoreOptions = {}) {
    this.#options = resolveTraceStoreOptions(options);
    const { path } = this.#options;
    this.#database = retryOnBusySync(
      () => openDatabase(this.#options, this.#options),
      this.#options,
      () => `Opening ${path}`,
    );

    let inserts: TraceBatchInsert;
    try {
      const migrate = this.#database.transaction(() =>
        migrateSchema(this.#database, path, TRACES_COMPONENT, TRACE_MIGRATIONS),
      );
      retryOnBusySync(() => migrate.immediate(), this.#options, () => `Creating the trace tables in ${path}`);
      this.#queries = new TraceQueries(this.#database);
      inserts = new TraceBatchInsert(this.#database);
    } catch (error) {
      this.#database.close();
      throw error;
    }

    this.#writer = new TraceWriter(this.#options, inserts, this.#afterBatch);
    this.onDropped = this.#writer.dropped.event;
    this.onBatchCommitted = this.#writer.batchCommitted.event;
    this.onWriteError = this.#writer.writeFailed.event;
    this.onCheckpoint = this.#checkpointed.event;
  }

  /** Traces that `whenFull: 'drop'` did not store since the store was opened. */
  get dropped(): number {
    return this.#writer.droppedCount;
  }

  /** Traces accepted by `store()` and not yet committed. */
  get queued(): number {
    return this.#writer.queued;
  }

  /** Traces committed since the store was opened. */
  get committed(): number {
    return this.#writer.committed;
  }

  /** The writer's last error, until the next `flush()` (or read) starts it again; else undefined. */
  get writeError(): TraceWriteError | undefined {
    return this.#writer.error;
  }

  /**
   * Queues the row values of `trace` for writing, replacing any stored trace with the same
   * message id once written. Resolves when the trace is queued, not when it is committed: await
   * {@link flush} for that. When the queue is full, `whenFull` decides (see the class notes).
   *
   * @throws TypeError (by rejecting) naming the invalid field when `trace` is not a valid
   *   MessageTrace; `InvalidIdError` for a bad id.
   * @throws TraceStoreClosedError after `close()` was called.
   * @throws TraceWriteError in `'wait'` mode when the queue is full and the writer has stopped
   *   on an error, because no room would come.
   */
  async store(trace: MessageTrace, signal?: AbortSignal): Promise<void> {
    const prepared = prepareTrace(trace);
    this.#beginCall('store', signal);

    const waiting = this.#writer.enqueue(prepared, signal);
    if (waiting !== undefined) await waiting;
  }

  /**
   * Resolves once every trace accepted before the call is committed. After a write error it
   * starts the writer again.
   *
   * @throws TraceWriteError (by rejecting) when a batch cannot be written.
   * @throws TraceStoreClosedError after `close()` was called.
   * @throws the signal's reason when `signal` aborts first; the traces stay queued.
   */
  async flush(signal?: AbortSignal): Promise<void> {
    this.#beginCall('flush', signal);
    await this.#writer.flush(signal);
  }

  /** Returns the trace of `messageId`, or undefined, after a flush. */
  async getByMessageId(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace | undefined> {
    const id = parseMessageIdArgument(messageId, 'messageId');
    await this.#beginRead('getByMessageId', signal);
    return this.#queries.byMessageId(id);
  }

  /** Returns the traces of the workflow `correlationId`, ordered by (timestamp, messageId), after a flush. */
  async getByCorrelation(correlationId: CorrelationId, signal?: AbortSignal): Promise<MessageTrace[]> {
    const id = parseCorrelationIdArgument(correlationId, 'correlationId');
    await this.#beginRead('getByCorrelation', signal);
    return this.#queries.byCorrelation(id);
  }

  /**
   * Returns the ancestors of `messageId` (first cause first), the message, then its descendants
   * by depth and (timestamp, messageId). Returns an empty array when the message is not stored.
   */
  async getCausalChain(messageId: MessageId, signal?: AbortSignal): Promise<MessageTrace[]> {
    const id = parseMessageIdArgument(messageId, 'messageId');
    await this.#beginRead('getCausalChain', signal);
    return this.#queries.causalChain(id);
  }

  /** Returns the traces with `from <= timestamp <= to`, ordered by (timestamp, messageId), after a flush. */
  async getByTimeRange(from: number | Date, to: number | Date, signal?: AbortSignal): Promise<MessageTrace[]> {
    const range = parseTimeRangeArguments(from, to);
    await this.#beginRead('getByTimeRange', signal);
    return this.#queries.byTimeRange(range.from, range.to);
  }

  /** Returns the policy decisions of `messageId` in recorded order, or an empty array, after a flush. */
  async getPolicyTrail(messageId: MessageId, signal?: AbortSignal): Promise<TraceDecision[]> {
    const id = parseMessageIdArgument(messageId, 'messageId');
    await this.#beginRead('getPolicyTrail', signal);
    return this.#queries.policyTrail(id) ?? [];
  }

  /**
   * Runs `PRAGMA wal_checkpoint(mode)` now without waiting for other connections (default
   * `TRUNCATE`, which also empties the WAL file when no reader is using it). The writer runs
   * the same checkpoint every `checkpointEveryBatches` batches; call this after a long reader
   * ends to shrink the WAL file at once.
   */
  checkpoint(mode: WalCheckpointMode = 'TRUNCATE', signal?: AbortSignal): Promise<WalCheckpointResult> {
    // An executor that throws rejects the promise, so errors are reported by rejecting.
    return new Promise((resolve) => {
      this.#beginCall('checkpoint', signal);
      resolve(checkpointWithoutWaiting(this.#database, mode, this.#options.busyTimeoutMs));
    });
  }

  /**
   * Writes every queued trace (including `store()` calls waiting for room), then closes the
   * database. Later calls reject with `TraceStoreClosedError`; calling `close` again returns the
   * same promise.
   *
   * @throws TraceWriteError (by rejecting) when the queued traces could not be written. The
   *   database is closed anyway, so those traces are lost: the error's `queued` is their number.
   */
  close(): Promise<void> {
    this.#closing ??= this.#flushAndClose();
    return this.#closing;
  }

  async #flushAndClose(): Promise<void> {
    let failure: unknown;
    try {
      // A flush admits `store()` calls that waited for room, so repeat until none are left.
      while (!this.#writer.idle) await this.#writer.flush();
    } catch (error) {
      failure = error;
    }

    const lost = this.#writer.queued;
    this.#writer.stop(new TraceStoreClosedError('store'));
    this.#database.close();

    if (failure !== undefined) {
      throw new TraceWriteError(
        lost,
        `SqliteTraceStore.close() closed the database with ${lost} traces unwritten, which are lost: ` +
          messageOf(failure),
        { cause: failure },
      );
    }
  }

  #beginCall(method: string, signal: AbortSignal | undefined): void {
    throwIfAborted(signal, 'signal');
    if (this.#closing !== undefined) throw new TraceStoreClosedError(method);
  }

  // Reads see every trace accepted before them: flush first, unless nothing is queued.
  async #beginRead(method: string, signal: AbortSignal | undefined): Promise<void> {
    this.#beginCall(method, signal);
    if (this.#writer.idle) return;

    await this.#writer.flush(signal);
    // close() may have started while this read waited.
    if (this.#closing !== undefined) throw new TraceStoreClosedError(method);
  }

  readonly #afterBatch = (): void => {
    const every = this.#options.checkpointEveryBatches;
    if (every === 0 || ++this.#batchesSinceCheckpoint < every) return;

    this.#batchesSinceCheckpoint = 0;
    let event: TraceCheckpointEvent;
    try {
      event = { ok: true, result: checkpointWithoutWaiting(this.#database, 'TRUNCATE', this.#options.busyTimeoutMs) };
    } catch (error) {
      // SQLITE_BUSY when another connection runs its own checkpoint, or an I/O error. Either way
      // the batch is committed and the next period tries again.
      event = { ok: false, error };
    }
    this.#checkpointed.emit(event);
  };
}
