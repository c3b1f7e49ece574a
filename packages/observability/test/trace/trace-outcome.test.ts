import { describe, expect, it } from 'vitest';

import { traceOutcomeFromError, validateTraceOutcome } from '../../src/trace/trace-outcome.js';
import { TRACE_OUTCOME_STATUSES } from '../../src/trace/message-trace.js';

describe('traceOutcomeFromError', () => {
  it('records name and message of an error', () => {
    expect(traceOutcomeFromError(new RangeError('total is negative'))).toStrictEqual({
      status: 'failed',
      errorName: 'RangeError',
      errorMessage: 'total is negative',
    });
  });

  it('maps AbortError to cancelled', () => {
    const controller = new AbortController();
    controller.abort();

    expect(traceOutcomeFromError(controller.signal.reason).status).toBe('cancelled');
  });

  it('maps TimeoutError to timed-out', () => {
    const error = new DOMException('The operation timed out.', 'TimeoutError');

    expect(traceOutcomeFromError(error).status).toBe('timed-out');
  });

  it('uses an explicit status', () => {
    expect(traceOutcomeFromError(new Error('bulkhead full'), 'rejected').status).toBe('rejected');
  });

  it('describes a thrown non-error value', () => {
    expect(traceOutcomeFromError('boom')).toStrictEqual({ status: 'failed', errorMessage: 'boom' });
  });

  it('rejects succeeded as status', () => {
    expect(() => traceOutcomeFromError(new Error('x'), 'succeeded' as never)).toThrow(RangeError);
  });
});

describe('validateTraceOutcome', () => {
  it('accepts every status', () => {
    for (const status of TRACE_OUTCOME_STATUSES) {
      expect(() => validateTraceOutcome({ status }, 'outcome')).not.toThrow();
    }
  });

  it('rejects an unknown status naming it', () => {
    expect(() => validateTraceOutcome({ status: 'done' }, 'outcome')).toThrow(TypeError);
    expect(() => validateTraceOutcome({ status: 'done' }, 'outcome')).toThrow(/outcome\.status.*"done"/);
  });

  it('rejects a non-object outcome', () => {
    expect(() => validateTraceOutcome(undefined, 'outcome')).toThrow(/outcome must be an object/);
  });

  it('rejects error fields on succeeded', () => {
    expect(() => validateTraceOutcome({ status: 'succeeded', errorMessage: 'x' }, 'outcome')).toThrow(TypeError);
  });

  it('rejects non-string error fields', () => {
    expect(() => validateTraceOutcome({ status: 'failed', errorName: 1 }, 'outcome')).toThrow(/outcome\.errorName/);
    expect(() => validateTraceOutcome({ status: 'failed', errorMessage: null }, 'outcome')).toThrow(
      /outcome\.errorMessage/,
    );
  });
});
