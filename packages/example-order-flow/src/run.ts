import { setTimeout as delay } from 'node:timers/promises';

import { TraceReader } from '@whizbang/cli';
import { parseMessageId, type MessageTrace } from '@whizbang/observability';
import { SqliteSequenceProvider, SqliteTraceStore } from '@whizbang/sqlite';
import { createDispatcher } from '@whizbang/streams';

import { inspectDatabase, prepareDatabaseFile, removeWalFiles, type DatabaseReport } from './database-report.js';
import { createFlowMetrics, createOrderHandlers, sendOptions } from './handlers.js';
import { readOrderFile, type InputLineError, type InvalidLinePolicy } from './input.js';
import { summariseLatencies, type LatencySummary } from './latency.js';
import { ORDERS_TOPIC, type ShopMessage } from './messages.js';
import { createOrderFlowPolicies } from './policies.js';
import { OrderReadModel } from './read-model.js';

/** Options of {@link runOrderFlow}. */
export interface OrderFlowOptions {
  /** JSON Lines file of `PlaceOrder` commands (format in the package README). */
  readonly input: string;

  /** SQLite file for traces and sequence numbers. */
  readonly db: string;

  /** Action on a malformed input line; default `'stop'` (see {@link InvalidLinePolicy}). */
  readonly onInvalid?: InvalidLinePolicy;

  /** Keep the traces already in `db` instead of starting from an empty file. Default false. */
  readonly append?: boolean;

  /**
   * Messages in flight (accepted, not yet settled) above which no further input is dispatched
   * until some settle. Default 200, range 1 to 1,000,000. It bounds memory and makes the
   * latency a measure of the engine, not of an input file dispatched all at once.
   */
  readonly maxInFlight?: number;

  /** Called about every `progressIntervalMs` while input is dispatched, and once at the end. */
  readonly onProgress?: (progress: OrderFlowProgress) => void;

  /** Milliseconds between two `onProgress` calls. Default 100. */
  readonly progressIntervalMs?: number;
}

/** Progress of a run. */
export interface OrderFlowProgress {
  /** Input orders dispatched so far. */
  readonly dispatched: number;

  /** Input orders to dispatch in all. */
  readonly total: number;

  /** Handlers finished so far, follow-up messages included. */
  readonly handled: number;
}

/** The example causal chain of a run. */
export interface ExampleChain {
  readonly messageId: string;
  readonly traces: readonly MessageTrace[];

  /** Hops of the chain in all. */
  readonly hops: number;

  /** Hops whose recorded position was mapped to a TypeScript (`.ts`) file through a source map. */
  readonly hopsInTypeScript: number;
}

/** Everything the summary shows about one run. */
export interface OrderFlowResult {
  readonly inputPath: string;
  readonly databasePath: string;

  /** Non-blank lines of the input file. */
  readonly inputLines: number;

  /** Orders dispatched. */
  readonly dispatched: number;

  /** Malformed lines skipped (only with `onInvalid: 'skip'`). */
  readonly skippedLines: readonly InputLineError[];

  /** Messages sent: the dispatched orders plus every follow-up. */
  readonly sent: number;

  /** Handlers that ran to the end or threw. */
  readonly handled: number;

  /** Milliseconds from the first dispatch until every trace was committed. */
  readonly elapsedMs: number;

  /** Latency from `dispatch()`/`ctx.send()` to the end of the handler, over every handled message. */
  readonly latency: LatencySummary;

  /** Orders by their final status in the read model. */
  readonly readModel: Readonly<Record<string, number>>;

  /** Traces the dispatcher could not hand to the store (reported through its `onError`). */
  readonly storeErrors: number;

  /** Contents of the database, read back after the store was closed. */
  readonly database: DatabaseReport;

  /** Causal chain of the first order that succeeded (else of the first order), when there is one. */
  readonly exampleChain: ExampleChain | undefined;
}

/**
 * Runs the order workflow for every order of the input file through a dispatcher with the
 * example's policies, which stores traces and sequence numbers in the SQLite file `db`. Then
 * it reads the file back to count messages, check ordering and pick an example chain.
 *
 * @throws InputLineError (with `onInvalid: 'stop'`) for the first malformed line, before
 *   anything is dispatched; `DatabaseFileError` when `db` is a file the example must not
 *   overwrite; RangeError for an invalid `maxInFlight`.
 *
 * @example
 * ```ts
 * const result = await runOrderFlow({ input: 'data/orders.jsonl', db: 'whizbang-traces.db' });
 * console.log(result.database.violations.length); // 0
 * ```
 */
export async function runOrderFlow(options: OrderFlowOptions): Promise<OrderFlowResult> {
  const maxInFlight = options.maxInFlight ?? 200;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > 1_000_000) {
    throw new RangeError(`Invalid maxInFlight ${String(maxInFlight)}: expected a whole number from 1 to 1,000,000.`);
  }
  const progressIntervalMs = options.progressIntervalMs ?? 100;

  const input = await readOrderFile(options.input, options.onInvalid ?? 'stop');
  const afterRowId = prepareDatabaseFile(options.db, options.append ?? false);

  const store = new SqliteTraceStore({ path: options.db });
  let sequences: SqliteSequenceProvider;
  try {
    sequences = new SqliteSequenceProvider({ path: options.db });
  } catch (error) {
    await store.close();
    throw error;
  }

  const metrics = createFlowMetrics();
  const readModel = new OrderReadModel();
  let storeErrors = 0;
  const dispatcher = createDispatcher<ShopMessage>({
    policies: createOrderFlowPolicies(sequences),
    handlers: createOrderHandlers(readModel, metrics),
    traceStore: store,
    onError: (error, details) => {
      if (details.operation === 'store-trace') storeErrors++;
      console.error(`Whizbang dispatcher: ${details.operation} failed${details.messageId === undefined ? '' : ` for message ${details.messageId}`}:`, error);
    },
  });

  const startedAt = performance.now();
  let dispatched = 0;
  try {
    const total = input.messages.length;
    let lastProgress = startedAt;
    const report = (): void => options.onProgress?.({ dispatched, total, handled: metrics.handled });

    for (const order of input.messages) {
      // Back-pressure: wait for the lanes to catch up instead of queueing the whole file.
      while (dispatcher.inFlight >= maxInFlight) await delay(1);

      // A failed order is recorded in its trace and counted from the database afterwards.
      dispatcher.dispatch(order, sendOptions(metrics)).catch(ignore);
      dispatched++;

      if (options.onProgress !== undefined && performance.now() - lastProgress >= progressIntervalMs) {
        lastProgress = performance.now();
        report();
      }
    }

    // Shutdown waits for every follow-up and hands every trace to the store; close commits them.
    await dispatcher.shutdown();
    report();
  } finally {
    await dispatcher.shutdown().catch(ignore);
    await store.close();
    sequences.close();
  }
  const elapsedMs = performance.now() - startedAt;

  const database = inspectDatabase(options.db, afterRowId, new Set([ORDERS_TOPIC]));
  const exampleChain = database.exampleOrderMessageId === undefined ? undefined : readExampleChain(options.db, database.exampleOrderMessageId);
  removeWalFiles(options.db);
  return {
    inputPath: options.input,
    databasePath: options.db,
    inputLines: input.lineCount,
    dispatched,
    skippedLines: input.invalidLines,
    sent: metrics.sent,
    handled: metrics.handled,
    elapsedMs,
    latency: summariseLatencies(metrics.latencies),
    readModel: readModel.countByStatus(),
    storeErrors,
    database,
    exampleChain,
  };
}

function readExampleChain(path: string, messageId: string): ExampleChain {
  const reader = TraceReader.open(path);
  try {
    const traces = reader.causalChain(parseMessageId(messageId));
    let hops = 0;
    let hopsInTypeScript = 0;
    for (const trace of traces) {
      for (const hop of trace.hops) {
        hops++;
        const file = hop.caller.relativePath ?? hop.caller.filePath;
        if (hop.caller.origin === 'source-map' && file !== null && file.endsWith('.ts')) hopsInTypeScript++;
      }
    }
    return { messageId, traces, hops, hopsInTypeScript };
  } finally {
    reader.close();
  }
}

function ignore(): void {}
