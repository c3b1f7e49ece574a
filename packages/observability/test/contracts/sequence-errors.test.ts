import { describe, expect, it } from 'vitest';

import { SequenceOutcomeUnknownError } from '../../src/contracts/sequence-errors.js';

describe('SequenceOutcomeUnknownError', () => {
  it('keeps the message, endpoint and cause', () => {
    const cause = new Error('socket hang up');

    const error = new SequenceOutcomeUnknownError('No reply arrived.', 'redis://:***@127.0.0.1:6379', { cause });

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SequenceOutcomeUnknownError');
    expect(error.message).toBe('No reply arrived.');
    expect(error.endpoint).toBe('redis://:***@127.0.0.1:6379');
    expect(error.cause).toBe(cause);
  });
});
