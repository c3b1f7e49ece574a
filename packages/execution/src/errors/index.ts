export { BulkheadRejectedError } from './bulkhead-rejected-error.js';
export { ExecutionTimeoutError } from './execution-timeout-error.js';
export { ExecutorFailedError } from './executor-failed-error.js';
export { ExecutorNotStartedError } from './executor-not-started-error.js';
export { ExecutorStoppedError } from './executor-stopped-error.js';
