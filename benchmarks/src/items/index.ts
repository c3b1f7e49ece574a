import type { BenchItem } from '../harness/types.js';
import { bulkheadAdmission } from './bulkhead-admission.js';
import { callerCapture } from './caller-capture.js';
import { endToEndDispatch } from './end-to-end-dispatch.js';
import { metricsCost } from './metrics-cost.js';
import { parallelExecutor } from './parallel-executor.js';
import { partitionRouting } from './partition-routing.js';
import { policyEvaluation } from './policy-evaluation.js';
import { sequenceNext } from './sequence-next.js';
import { serialExecutor } from './serial-executor.js';
import { sqliteTraceStore } from './sqlite-trace-store.js';
import { traceCapture } from './trace-capture.js';

/** Every benchmark item, in the order the runner measures them. */
export const ITEMS: readonly BenchItem[] = [
  callerCapture,
  partitionRouting,
  sequenceNext,
  policyEvaluation,
  traceCapture,
  serialExecutor,
  parallelExecutor,
  bulkheadAdmission,
  metricsCost,
  endToEndDispatch,
  sqliteTraceStore,
];
