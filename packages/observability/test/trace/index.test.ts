import { describe, expect, it } from 'vitest';

import * as observability from '../../src/index.js';

describe('trace exports', () => {
  it('exports the trace API from the package root', () => {
    for (const name of [
      'createMessageTrace',
      'traceOutcomeFromError',
      'validateTraceOutcome',
      'snapshotMessageTrace',
      'prepareMessageTrace',
      'toJsonValue',
      'compareTracesByTime',
      'parseMessageIdArgument',
      'parseCorrelationIdArgument',
      'parseCausationIdArgument',
      'parseTimeArgument',
      'parseTimeRangeArguments',
      'throwIfAborted',
      'InMemoryTraceStore',
      'TraceStoreClosedError',
      'MESSAGE_TRACE_SCHEMA_VERSION',
      'TRACE_OUTCOME_STATUSES',
    ]) {
      expect(observability, name).toHaveProperty(name);
    }
  });
});
