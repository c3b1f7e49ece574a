import type { SequenceProvider } from '@whizbang/observability';
import { describe, expect, it, vi } from 'vitest';

import {
  checkAbortHonoured,
  checkConcurrentCallers,
  checkConcurrentInterleavings,
  checkFirstValue,
  checkMaxSafeInteger,
  checkRejectsInvalidResetValue,
  checkRejectsInvalidStreamKey,
  checkReset,
  checkStreamsIndependent,
  describeSequenceProviderContract,
  sequenceProviderChecks,
  type SequenceProviderContractOptions,
} from '../src/index.js';

/** A correct provider written plainly, to show that every check can pass. */
class ReferenceProvider implements SequenceProvider {
  readonly name: string = 'reference';
  protected readonly values = new Map<string, number>();

  protected validateKey(streamKey: unknown): void {
    if (typeof streamKey !== 'string' || streamKey === '') {
      throw new TypeError(`streamKey must be a non-empty string; received ${String(streamKey)}`);
    }
  }

  protected validateValue(newValue: unknown): void {
    if (typeof newValue !== 'number') throw new TypeError('newValue must be a number');
    if (!Number.isSafeInteger(newValue) || newValue < 0) {
      throw new RangeError(`newValue must be a non-negative safe integer; received ${newValue}`);
    }
  }

  async getNext(streamKey: string, signal?: AbortSignal): Promise<number> {
    this.validateKey(streamKey);
    signal?.throwIfAborted();
    const current = this.values.get(streamKey) ?? 0;
    if (current >= Number.MAX_SAFE_INTEGER) throw new RangeError('stream reached MAX_SAFE_INTEGER');
    this.values.set(streamKey, current + 1);
    return current + 1;
  }

  async getCurrent(streamKey: string, signal?: AbortSignal): Promise<number> {
    this.validateKey(streamKey);
    signal?.throwIfAborted();
    return this.values.get(streamKey) ?? 0;
  }

  async reset(streamKey: string, newValue = 0, signal?: AbortSignal): Promise<void> {
    this.validateKey(streamKey);
    this.validateValue(newValue);
    signal?.throwIfAborted();
    this.values.set(streamKey, newValue);
  }
}

/** Reads, yields to the event loop, then writes: concurrent callers read the same value. */
class RacyProvider extends ReferenceProvider {
  override async getNext(streamKey: string): Promise<number> {
    this.validateKey(streamKey);
    const current = this.values.get(streamKey) ?? 0;
    await new Promise((resolve) => setImmediate(resolve));
    this.values.set(streamKey, current + 1);
    return current + 1;
  }
}

/** Hands out 0 first. */
class ZeroBasedProvider extends ReferenceProvider {
  override async getNext(streamKey: string, signal?: AbortSignal): Promise<number> {
    return (await super.getNext(streamKey, signal)) - 1;
  }
}

/** Ignores the signal. */
class AbortIgnoringProvider extends ReferenceProvider {
  override getNext(streamKey: string): Promise<number> {
    return super.getNext(streamKey);
  }
}

/** Accepts the empty key. */
class EmptyKeyProvider extends ReferenceProvider {
  protected override validateKey(streamKey: unknown): void {
    if (typeof streamKey !== 'string') throw new TypeError('streamKey must be a string');
  }
}

/** Rejects a bad key with an error that does not name the argument. */
class VagueErrorProvider extends ReferenceProvider {
  protected override validateKey(streamKey: unknown): void {
    if (typeof streamKey !== 'string' || streamKey === '') throw new TypeError('invalid input');
  }
}

/** Throws synchronously instead of rejecting. */
class SyncThrowingProvider extends ReferenceProvider {
  override getNext(streamKey: string, signal?: AbortSignal): Promise<number> {
    this.validateKey(streamKey);
    return super.getNext(streamKey, signal);
  }
}

/** Accepts negative and fractional reset values. */
class LaxResetProvider extends ReferenceProvider {
  protected override validateValue(): void {}
}

/** Shares one counter between all streams. */
class SharedCounterProvider extends ReferenceProvider {
  override getNext(_streamKey: string, signal?: AbortSignal): Promise<number> {
    return super.getNext('shared', signal);
  }

  override getCurrent(_streamKey: string, signal?: AbortSignal): Promise<number> {
    return super.getCurrent('shared', signal);
  }

  override reset(_streamKey: string, newValue = 0, signal?: AbortSignal): Promise<void> {
    return super.reset('shared', newValue, signal);
  }
}

/** Makes the next number after reset(n) n + 2. */
class ResetOffByOneProvider extends ReferenceProvider {
  override reset(streamKey: string, newValue = 0, signal?: AbortSignal): Promise<void> {
    return super.reset(streamKey, newValue + 1, signal);
  }
}

/** Counts past MAX_SAFE_INTEGER, handing out rounded duplicates. */
class UnboundedProvider extends ReferenceProvider {
  override async getNext(streamKey: string): Promise<number> {
    this.validateKey(streamKey);
    const next = (this.values.get(streamKey) ?? 0) + 1;
    this.values.set(streamKey, next);
    return next;
  }
}

/** getCurrent consumes a number. */
class ConsumingGetCurrentProvider extends ReferenceProvider {
  override async getCurrent(streamKey: string, signal?: AbortSignal): Promise<number> {
    return (await super.getNext(streamKey, signal)) - 1;
  }
}

const small: SequenceProviderContractOptions = { concurrentCallers: 50, callsPerCaller: 20, propertyRuns: 30 };

describeSequenceProviderContract('reference provider', () => new ReferenceProvider());

describe('sequence provider checks', () => {
  it('list every check once', () => {
    const names = sequenceProviderChecks.map((contractCheck) => contractCheck.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(9);
  });

  it('catch duplicates under concurrency', async () => {
    await expect(checkConcurrentCallers(() => new RacyProvider(), small)).rejects.toThrow(/handed out twice|strictly increase/);
  });

  it('catch duplicates in scheduled interleavings', async () => {
    await expect(checkConcurrentInterleavings(() => new RacyProvider(), small)).rejects.toThrow(/expected each of 1\.\.\d+ once|strictly increase/);
  });

  it('catch a first value of 0', async () => {
    await expect(checkFirstValue(() => new ZeroBasedProvider(), small)).rejects.toThrow(/The first getNext of a stream returned 0; expected 1/);
  });

  it('catch getCurrent that consumes a number', async () => {
    await expect(checkFirstValue(() => new ConsumingGetCurrentProvider(), small)).rejects.toThrow(/expected/);
  });

  it('catch an ignored abort signal', async () => {
    await expect(checkAbortHonoured(() => new AbortIgnoringProvider(), small)).rejects.toThrow(
      /getNext\(stream, abortedSignal\) resolved with 1; it must reject/,
    );
  });

  it('catch an accepted empty key', async () => {
    await expect(checkRejectsInvalidStreamKey(() => new EmptyKeyProvider(), small)).rejects.toThrow(/getNext\(""\) resolved/);
  });

  it('catch an error that does not name streamKey', async () => {
    await expect(checkRejectsInvalidStreamKey(() => new VagueErrorProvider(), small)).rejects.toThrow(/does not mention "streamKey"/);
  });

  it('catch a synchronous throw', async () => {
    await expect(checkRejectsInvalidStreamKey(() => new SyncThrowingProvider(), small)).rejects.toThrow(/threw synchronously/);
  });

  it('catch accepted bad reset values', async () => {
    await expect(checkRejectsInvalidResetValue(() => new LaxResetProvider(), small)).rejects.toThrow(/reset\(stream, -1\) resolved/);
  });

  it('catch streams that share a counter', async () => {
    await expect(checkStreamsIndependent(() => new SharedCounterProvider(), small)).rejects.toThrow(
      /getNext\(b\) after getNext\(a\) returned 2; expected 1/,
    );
  });

  it('catch an off-by-one reset', async () => {
    await expect(checkReset(() => new ResetOffByOneProvider(), small)).rejects.toThrow(/after reset\(stream, 10\) returned 11; expected 10/);
  });

  it('catch numbers past MAX_SAFE_INTEGER', async () => {
    await expect(checkMaxSafeInteger(() => new UnboundedProvider(), small)).rejects.toThrow(/must reject with a RangeError/);
  });

  it('pass the reference provider one by one', async () => {
    for (const contractCheck of sequenceProviderChecks) {
      await expect(contractCheck.run(() => new ReferenceProvider(), small)).resolves.toEqual({ status: 'passed' });
    }
  });

  it('call cleanup even when a check fails', async () => {
    const cleanup = vi.fn();
    const provider = new ZeroBasedProvider();
    await expect(checkFirstValue(() => provider, { cleanup })).rejects.toThrow();
    expect(cleanup).toHaveBeenCalledWith(provider);
  });

  it('accept an async factory', async () => {
    const factory = async (): Promise<SequenceProvider> => {
      await Promise.resolve();
      return new ReferenceProvider();
    };
    await expect(checkReset(factory)).resolves.toEqual({ status: 'passed' });
  });
});

describe('describeSequenceProviderContract', () => {
  it('rejects a factory that is not a function', () => {
    expect(() => describeSequenceProviderContract('x', 42 as never)).toThrow(TypeError);
  });

  it('rejects counts that are not positive integers', () => {
    const factory = (): SequenceProvider => new ReferenceProvider();
    expect(() => describeSequenceProviderContract('x', factory, { concurrentCallers: 0 })).toThrow(/concurrentCallers/);
    expect(() => describeSequenceProviderContract('x', factory, { callsPerCaller: 1.5 })).toThrow(/callsPerCaller/);
    expect(() => describeSequenceProviderContract('x', factory, { propertyRuns: -1 })).toThrow(/propertyRuns/);
  });
});
