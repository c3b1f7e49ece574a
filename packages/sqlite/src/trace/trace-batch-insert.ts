import type { Transaction } from 'better-sqlite3';

import type { SqliteDatabase } from '../open-database.js';
import type { PreparedTrace } from './prepared-trace.js';
import type { RingQueue } from './trace-queue.js';
import { insertTrace, TRACE_COLUMNS } from './trace-row.js';
import { TRACES_TABLE } from './trace-schema.js';

/**
 * Writes of the trace store: one prepared insert, run in batches.
 *
 * @internal
 */
export class TraceBatchInsert {
  readonly #writeBatch: Transaction<(queue: RingQueue<PreparedTrace>, count: number) => void>;

  constructor(database: SqliteDatabase) {
    const updates = TRACE_COLUMNS.filter((column) => column !== 'message_id')
      .map((column) => `${column} = excluded.${column}`)
      .join(', ');
    const insert = database.prepare(
      `INSERT INTO ${TRACES_TABLE} (${TRACE_COLUMNS.join(', ')}) ` +
        `VALUES (${TRACE_COLUMNS.map(() => '?').join(', ')}) ` +
        `ON CONFLICT (message_id) DO UPDATE SET ${updates}`,
    );

    this.#writeBatch = database.transaction((queue: RingQueue<PreparedTrace>, count: number): void => {
      for (let index = 0; index < count; index++) insertTrace(insert, queue.at(index));
    });
  }

  /**
   * Writes the first `count` traces of `queue` in one `BEGIN IMMEDIATE` transaction: all of them
   * or, when it throws, none. The caller removes them from the queue after it returns.
   */
  writeBatch(queue: RingQueue<PreparedTrace>, count: number): void {
    this.#writeBatch.immediate(queue, count);
  }
}
