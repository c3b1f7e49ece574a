import { afterEach, describe, expect, it, vi } from 'vitest';

import { SerialExecutor } from '../src/index.js';
import { contextOf, envelopeOf } from './helpers.js';

const envelope = envelopeOf('events');
const context = contextOf(envelope);

describe('executor events', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('stops calling a disposed listener', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const seen: string[] = [];

    const first = executor.on('stateChange', ({ to }) => seen.push(`first ${to}`));
    executor.on('stateChange', ({ to }) => seen.push(`second ${to}`));
    await executor.start();

    first.dispose();
    first.dispose();
    await executor.stop();

    expect(seen).toEqual(['first running', 'second running', 'second stopped']);
  });

  it('rethrows a listener error in a microtask and still calls the other listeners', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const deferred: (() => void)[] = [];
    const failure = new Error('listener bug');
    let secondCalled = false;

    // Captured instead of run, so the rethrow does not become an uncaught exception here.
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((callback) => {
      deferred.push(callback);
    });

    executor.on('failure', () => {
      throw failure;
    });
    executor.on('failure', () => {
      secondCalled = true;
    });
    await executor.start();

    await expect(
      executor.execute(
        envelope,
        () => {
          throw new Error('handler failed');
        },
        context,
      ),
    ).rejects.toThrow('handler failed');

    expect(secondCalled).toBe(true);
    expect(executor.state).toBe('running');
    expect(deferred).toHaveLength(1);
    expect(() => deferred[0]!()).toThrow(failure);
  });

  it('rejects a listener that is not a function', () => {
    const executor = new SerialExecutor();

    expect(() => executor.on('idle', 'listener' as never)).toThrow(TypeError);
  });
});
