import type { MessageTrace, TraceDecision } from '@whizbang/observability';
import type { Statement } from 'better-sqlite3';

import type { SqliteDatabase } from '../open-database.js';
import { rowToTrace, TRACE_COLUMNS, type TraceRow } from './trace-row.js';
import { TRACES_TABLE } from './trace-schema.js';

const SELECT_TRACE = `SELECT ${TRACE_COLUMNS.join(', ')} FROM ${TRACES_TABLE}`;
const ORDER_BY_TIME = 'ORDER BY timestamp, message_id';

/**
 * Queries of the trace store and of `SqliteTraceReader`, and the synchronous reads built on
 * them. Every statement is prepared once, when the store or reader opens. They only read, so
 * they run on a read-only connection too.
 *
 * @internal
 */
export class TraceQueries {
  readonly #byMessageId: Statement<[string], TraceRow>;
  readonly #byCorrelation: Statement<[string], TraceRow>;
  readonly #children: Statement<[string], TraceRow>;
  readonly #byTimeRange: Statement<[number, number, number], TraceRow>;
  readonly #countTimeRange: Statement<[number, number], { total: number }>;
  readonly #decisions: Statement<[string], { decisions: string }>;

  constructor(database: SqliteDatabase) {
    this.#byMessageId = database.prepare(`${SELECT_TRACE} WHERE message_id = ?`);
    this.#byCorrelation = database.prepare(`${SELECT_TRACE} WHERE correlation_id = ? ${ORDER_BY_TIME}`);
    this.#children = database.prepare(`${SELECT_TRACE} WHERE causation_id = ?`);
    // LIMIT -1 means no limit in SQLite.
    this.#byTimeRange = database.prepare(`${SELECT_TRACE} WHERE timestamp >= ? AND timestamp <= ? ${ORDER_BY_TIME} LIMIT ?`);
    this.#countTimeRange = database.prepare(`SELECT count(*) AS total FROM ${TRACES_TABLE} WHERE timestamp >= ? AND timestamp <= ?`);
    this.#decisions = database.prepare(`SELECT decisions FROM ${TRACES_TABLE} WHERE message_id = ?`);
  }

  byMessageId(messageId: string): MessageTrace | undefined {
    const row = this.#byMessageId.get(messageId);
    return row === undefined ? undefined : rowToTrace(row);
  }

  byCorrelation(correlationId: string): MessageTrace[] {
    return this.#byCorrelation.all(correlationId).map(rowToTrace);
  }

  /** Returns at most `limit` traces (all when it is -1) with `from <= timestamp <= to`, ordered by (timestamp, messageId). */
  byTimeRange(from: number, to: number, limit = -1): MessageTrace[] {
    return this.#byTimeRange.all(from, to, limit).map(rowToTrace);
  }

  /** Counts the traces with `from <= timestamp <= to`. */
  countTimeRange(from: number, to: number): number {
    return (this.#countTimeRange.get(from, to) as { total: number }).total;
  }

  /** Returns the decisions of `messageId`, or undefined when no trace of it is stored. */
  policyTrail(messageId: string): TraceDecision[] | undefined {
    const row = this.#decisions.get(messageId);
    return row === undefined ? undefined : (JSON.parse(row.decisions) as TraceDecision[]);
  }

  /**
   * Returns the ancestors of `messageId` (first cause first), the message, then its descendants
   * level by level, each level ordered by (timestamp, messageId). Returns an empty array when
   * the message is not stored.
   */
  causalChain(messageId: string): MessageTrace[] {
    const start = this.#byMessageId.get(messageId);
    if (start === undefined) return [];

    // `visited` makes a cycle in stored causation ids end the walk instead of looping.
    const visited = new Set<string>([messageId]);
    const ancestors = this.#collectAncestors(start, visited);
    const descendants = this.#collectDescendants(start, visited);
    return [...ancestors, start, ...descendants].map(rowToTrace);
  }

  #collectAncestors(start: TraceRow, visited: Set<string>): TraceRow[] {
    const ancestors: TraceRow[] = [];
    let causationId = start.causation_id;
    while (causationId !== null && !visited.has(causationId)) {
      const parent = this.#byMessageId.get(causationId);
      if (parent === undefined) break;

      visited.add(causationId);
      ancestors.push(parent);
      causationId = parent.causation_id;
    }
    return ancestors.reverse();
  }

  // Breadth-first, one indexed query per parent: a level's children come from several parents,
  // so each level is sorted after it is complete.
  #collectDescendants(start: TraceRow, visited: Set<string>): TraceRow[] {
    const descendants: TraceRow[] = [];
    let level: TraceRow[] = [start];
    while (level.length > 0) {
      const next: TraceRow[] = [];
      for (const parent of level) {
        for (const child of this.#children.all(parent.message_id)) {
          if (visited.has(child.message_id)) continue;

          visited.add(child.message_id);
          next.push(child);
        }
      }

      next.sort(compareRowsByTime);
      for (const row of next) descendants.push(row);
      level = next;
    }
    return descendants;
  }
}

// The order of compareTracesByTime in @whizbang/observability, read from rows.
function compareRowsByTime(a: TraceRow, b: TraceRow): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  if (a.message_id === b.message_id) return 0;
  return a.message_id < b.message_id ? -1 : 1;
}
