export type {
  ExecutionStrategy,
  ExecutorState,
  Handler,
  StopReport,
  UnfinishedExecution,
} from './execution-strategy.js';
export type { ExecutionMetrics } from './execution-metrics.js';
export type {
  ExecutorEvents,
  HandlerFailureEvent,
  HandlerTimeoutEvent,
  RejectionEvent,
  StateChangeEvent,
} from './executor-events.js';
export type { EventSubscription } from './events.js';
export { appendHop, type ExecutorOptions, type HopRecorder } from './executor-options.js';
export { Bulkhead, type BulkheadOptions } from './bulkhead.js';
export { Executor } from './executor.js';
export { SerialExecutor, type SerialExecutorOptions } from './serial-executor.js';
export { ParallelExecutor, type ParallelExecutorOptions } from './parallel-executor.js';
// Defined in @whizbang/observability beside the other call-site types, and exported here as before.
export { UNKNOWN_CALLER } from '@whizbang/observability';
export * from './errors/index.js';
