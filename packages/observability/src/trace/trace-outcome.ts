import { describeValue } from '../describe-value.js';
import { TRACE_OUTCOME_STATUSES, type TraceOutcome, type TraceOutcomeStatus } from './message-trace.js';

/**
 * Creates the outcome of a message whose handling ended with `error`.
 *
 * Without `status`, an error named `AbortError` gives `cancelled`, one named `TimeoutError` gives
 * `timed-out` (the names `AbortSignal.abort()` and `AbortSignal.timeout()` use), and any other
 * error gives `failed`. A thrown value that is not an object with a string `name` and `message`
 * is recorded as `errorMessage: String(value)` with no `errorName`.
 *
 * @throws RangeError when `status` is `succeeded` or not a known status.
 *
 * @example
 * ```ts
 * try {
 *   await handler(message);
 * } catch (error) {
 *   trace = createMessageTrace(envelope, traceOutcomeFromError(error));
 * }
 * ```
 */
export function traceOutcomeFromError(
  error: unknown,
  status?: Exclude<TraceOutcomeStatus, 'succeeded'>,
): TraceOutcome {
  if (status !== undefined && ((status as TraceOutcomeStatus) === 'succeeded' || !TRACE_OUTCOME_STATUSES.includes(status))) {
    throw new RangeError(
      `Invalid status: ${JSON.stringify(status)}. Pass "failed", "rejected", "timed-out" or "cancelled", ` +
        'or omit it to derive the status from the error name.',
    );
  }

  const name = readStringProperty(error, 'name');
  const message = readStringProperty(error, 'message');
  if (name === undefined || message === undefined) {
    return { status: status ?? 'failed', errorMessage: String(error) };
  }

  return { status: status ?? statusOfErrorName(name), errorName: name, errorMessage: message };
}

/**
 * Checks that `value` is a {@link TraceOutcome}.
 *
 * @param argument - name of the value in error messages, such as `"outcome"`.
 * @throws TypeError naming the invalid field: an unknown status, a non-string error field, or an
 * error field on a `succeeded` outcome.
 *
 * @example
 * ```ts
 * validateTraceOutcome(row.outcome, 'trace.outcome');
 * ```
 */
export function validateTraceOutcome(value: unknown, argument: string): asserts value is TraceOutcome {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${argument} must be an object such as { status: 'succeeded' }, received ${describeValue(value)}.`);
  }

  const outcome = value as Record<string, unknown>;
  const status = outcome['status'];
  if (!TRACE_OUTCOME_STATUSES.includes(status as TraceOutcomeStatus)) {
    throw new TypeError(
      `Invalid ${argument}.status: ${describeValue(status)}. Use one of ${TRACE_OUTCOME_STATUSES.map((s) => `"${s}"`).join(', ')}.`,
    );
  }

  for (const field of ['errorName', 'errorMessage'] as const) {
    const fieldValue = outcome[field];
    if (fieldValue === undefined) continue;

    if (typeof fieldValue !== 'string') {
      throw new TypeError(`Invalid ${argument}.${field}: expected a string or no value, received ${describeValue(fieldValue)}.`);
    }
    if (status === 'succeeded') {
      throw new TypeError(
        `Invalid ${argument}.${field}: a succeeded outcome has no error. Remove the field or use status "failed".`,
      );
    }
  }
}

function statusOfErrorName(name: string): Exclude<TraceOutcomeStatus, 'succeeded'> {
  if (name === 'AbortError') return 'cancelled';
  if (name === 'TimeoutError') return 'timed-out';
  return 'failed';
}

function readStringProperty(value: unknown, key: 'name' | 'message'): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;

  const property = (value as Record<string, unknown>)[key];
  return typeof property === 'string' ? property : undefined;
}
