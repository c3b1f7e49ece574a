import { BulkheadRejectedError, ExecutionTimeoutError, ExecutorStoppedError } from '@whizbang/execution';
import { traceOutcomeFromError, type TraceOutcome } from '@whizbang/observability';
import { InvalidStreamKeyError, NoMatchingPolicyError } from '@whizbang/policies';

import { DispatcherClosedError, NoHandlerError } from './errors.js';

/** Outcome of a message whose handler completed. */
export const SUCCEEDED: TraceOutcome = Object.freeze({ status: 'succeeded' });

/**
 * Maps the error that settled a message to its trace outcome:
 * - `rejected`: refused before its handler ran (bulkhead full, no policy, no handler, invalid stream key);
 * - `timed-out`: the policy's timeout passed;
 * - `cancelled`: its signal aborted, or the dispatcher or its executor stopped;
 * - `failed`: anything else, usually the handler's own error.
 */
export function outcomeOf(error: unknown, signal: AbortSignal | undefined): TraceOutcome {
  if (error instanceof BulkheadRejectedError || error instanceof NoMatchingPolicyError || error instanceof NoHandlerError || error instanceof InvalidStreamKeyError) {
    return traceOutcomeFromError(error, 'rejected');
  }
  if (error instanceof ExecutionTimeoutError) return traceOutcomeFromError(error, 'timed-out');
  if (error instanceof ExecutorStoppedError || error instanceof DispatcherClosedError) return traceOutcomeFromError(error, 'cancelled');
  if (signal?.aborted === true && error === signal.reason) return traceOutcomeFromError(error, 'cancelled');
  return traceOutcomeFromError(error);
}
