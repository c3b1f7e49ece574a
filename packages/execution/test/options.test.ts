import { describe, expect, it } from 'vitest';

import { ExecutorStoppedError, ParallelExecutor, SerialExecutor } from '../src/index.js';
import { contextOf, envelopeOf } from './helpers.js';

describe('executor options', () => {
  it.each([
    [{ maxQueue: -1 }, RangeError, /maxQueue: -1/],
    [{ maxQueue: 1.5 }, RangeError, /maxQueue: 1.5/],
    [{ maxQueue: '10' }, TypeError, /maxQueue: "10"/],
    [{ timeoutMs: 0 }, RangeError, /timeoutMs: 0/],
    [{ timeoutMs: 2 ** 31 }, RangeError, /timeoutMs/],
    [{ timeoutMs: Number.NaN }, RangeError, /timeoutMs: NaN/],
    [{ metricsIntervalMs: Infinity }, RangeError, /metricsIntervalMs: Infinity/],
    [{ bulkheadName: '' }, TypeError, /bulkheadName: ""/],
    [{ recordHops: 'yes' }, TypeError, /recordHops/],
    [{ captureCallers: 1 }, TypeError, /captureCallers/],
    [{ autoStart: null }, TypeError, /autoStart/],
    [{ trackAsyncContext: 'no' }, TypeError, /trackAsyncContext/],
    [{ measureDurations: 'yes' }, TypeError, /measureDurations/],
    [{ hopRecorder: 'x' }, TypeError, /hopRecorder/],
    [{ clock: {} }, TypeError, /clock/],
  ])('rejects %o', (options, errorClass, message) => {
    expect(() => new SerialExecutor(options as never)).toThrow(errorClass);
    expect(() => new SerialExecutor(options as never)).toThrow(message);
  });

  it.each([0, -1, 2.5, Number.NaN])('rejects maxConcurrency %s', (maxConcurrency) => {
    expect(() => new ParallelExecutor({ maxConcurrency })).toThrow(RangeError);
    expect(() => new ParallelExecutor({ maxConcurrency })).toThrow(/maxConcurrency/);
  });

  it('rejects options that are not an object', () => {
    expect(() => new SerialExecutor(42 as never)).toThrow(TypeError);
  });

  it('applies defaults', () => {
    const serial = new SerialExecutor();
    const parallel = new ParallelExecutor();

    expect(serial.name).toBe('serial');
    expect(serial.bulkheadName).toBe('serial');
    expect(serial.maxConcurrency).toBe(1);
    expect(serial.maxQueue).toBe(Infinity);
    expect(parallel.name).toBe('parallel');
    expect(parallel.maxConcurrency).toBe(Infinity);
  });

  it('accepts an infinite timeout as no timeout', async () => {
    const executor = new SerialExecutor({ timeoutMs: Infinity, recordHops: false });
    const envelope = envelopeOf(1);

    await executor.start();
    await expect(executor.execute(envelope, () => 'ok', contextOf(envelope))).resolves.toBe('ok');
  });
});

describe('execute arguments', () => {
  const envelope = envelopeOf('args');
  const context = contextOf(envelope);

  const noop = (): undefined => undefined;

  it.each<[string, unknown[], RegExp]>([
    ['a handler that is not a function', [envelope, 'handler', context, undefined], /Invalid handler: "handler"/],
    ['a null envelope', [null, noop, context, undefined], /Invalid envelope: null/],
    ['an envelope without addHop', [{ payload: 1 }, noop, context, undefined], /has no addHop method/],
    ['a signal that is not an AbortSignal', [envelope, noop, context, { aborted: 'no' }], /Invalid signal/],
  ])('rejects %s with a TypeError', async (_case, args, message) => {
    const executor = new SerialExecutor();
    await executor.start();

    const call = (executor.execute as (...values: unknown[]) => Promise<unknown>).apply(executor, args);
    await expect(call).rejects.toThrow(TypeError);
    await expect(call).rejects.toThrow(message);
    expect(executor.readMetrics().rejected).toBe(1);
  });

  it('accepts a plain envelope object with recordHops false', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    await executor.start();

    await expect(executor.execute({ payload: 1 } as never, () => 'ok', context)).resolves.toBe('ok');
  });

  it.each(['start', 'stop', 'drain'] as const)('rejects an invalid signal passed to %s', async (operation) => {
    const executor = new SerialExecutor();

    await expect(executor[operation]('signal' as never)).rejects.toThrow(TypeError);
    await expect(executor[operation]('signal' as never)).rejects.toThrow(`signal of ${operation}()`);
  });

  it('rejects after stop with ExecutorStoppedError naming the executor', async () => {
    const executor = new SerialExecutor({ bulkheadName: 'billing' });
    await executor.stop();

    const error = await executor.execute(envelope, () => undefined, context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExecutorStoppedError);
    expect((error as ExecutorStoppedError).executor).toBe('billing');
  });
});
