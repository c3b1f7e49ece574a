import type { PartitionRouter } from '@whizbang/observability';
import { describe, expect, it, vi } from 'vitest';

import {
  checkEdgeCaseKeys,
  checkPartitionInRange,
  checkPreviewMatchesSelect,
  checkRejectsInvalidPartitionCount,
  checkRejectsNonStringKey,
  checkSameAnswerAcrossProcesses,
  checkSameKeySamePartition,
  describePartitionRouterContract,
  partitionRouterChecks,
  type PartitionRouterContractOptions,
} from '../src/index.js';

// Plain JavaScript routers that a child process can import. A dynamic import of a URL string
// keeps TypeScript from looking for declarations of the .mjs files.
const fnvModuleUrl = new URL('./fixtures/fnv-router.mjs', import.meta.url).href;
const seededModuleUrl = new URL('./fixtures/per-process-seed-router.mjs', import.meta.url).href;
const fnvModule = await import(fnvModuleUrl);
const seededModule = await import(seededModuleUrl);
const createFnvRouter = (): PartitionRouter => new fnvModule.FnvRouter();

/** A correct stateful router, to show the stateful path of every check can pass. */
class ReferenceRoundRobin implements PartitionRouter {
  readonly name: string = 'reference-round-robin';
  protected readonly next = new Map<number, number>();

  protected validate(streamKey: unknown, partitionCount: unknown): void {
    createFnvRouter().selectPartition(streamKey as string, partitionCount as number);
  }

  selectPartition(streamKey: string, partitionCount: number): number {
    this.validate(streamKey, partitionCount);
    const partition = this.next.get(partitionCount) ?? 0;
    this.next.set(partitionCount, (partition + 1) % partitionCount);
    return partition;
  }

  previewPartition(streamKey: string, partitionCount: number): number {
    this.validate(streamKey, partitionCount);
    return this.next.get(partitionCount) ?? 0;
  }
}

/** Returns partitionCount itself for some keys: one past the last partition. */
class OffByOneRouter implements PartitionRouter {
  readonly name = 'off-by-one';
  private readonly inner = createFnvRouter();

  selectPartition(streamKey: string, partitionCount: number): number {
    return this.inner.selectPartition(streamKey, partitionCount + 1);
  }
}

/** Keeps the sign of a signed 32-bit hash, so half the keys get negative partitions. */
class NegativeRouter implements PartitionRouter {
  readonly name = 'negative';

  selectPartition(streamKey: string, partitionCount: number): number {
    createFnvRouter().selectPartition(streamKey, partitionCount);
    let hash = 0;
    for (let index = 0; index < streamKey.length; index++) hash = Math.imul(hash ^ streamKey.charCodeAt(index), 0x01000193);
    return hash % partitionCount;
  }
}

/** Picks a random partition on every call. */
class RandomRouter implements PartitionRouter {
  readonly name = 'random';

  selectPartition(streamKey: string, partitionCount: number): number {
    createFnvRouter().selectPartition(streamKey, partitionCount);
    return Math.floor(Math.random() * partitionCount);
  }
}

/** Returns 0 for a partition count of 0 instead of rejecting it. */
class ZeroCountRouter implements PartitionRouter {
  readonly name = 'zero-count';

  selectPartition(streamKey: string, partitionCount: number): number {
    return partitionCount === 0 ? 0 : createFnvRouter().selectPartition(streamKey, partitionCount);
  }
}

/** Rejects a bad count with a message that names neither the argument nor the value. */
class VagueCountRouter implements PartitionRouter {
  readonly name = 'vague-count';

  selectPartition(streamKey: string, partitionCount: number): number {
    if (!Number.isSafeInteger(partitionCount) || partitionCount < 1) throw new RangeError('bad input');
    return createFnvRouter().selectPartition(streamKey, partitionCount);
  }
}

/** Converts any key with String(key) instead of rejecting non-strings. */
class StringifyingRouter implements PartitionRouter {
  readonly name = 'stringifying';

  selectPartition(streamKey: string, partitionCount: number): number {
    return createFnvRouter().selectPartition(typeof streamKey === 'symbol' ? 'symbol' : String(streamKey), partitionCount);
  }
}

/** Hashes encodeURIComponent(key), which throws a URIError on a lone surrogate. */
class UriEncodingRouter implements PartitionRouter {
  readonly name = 'uri-encoding';

  selectPartition(streamKey: string, partitionCount: number): number {
    createFnvRouter().selectPartition(streamKey, partitionCount);
    return createFnvRouter().selectPartition(encodeURIComponent(streamKey), partitionCount);
  }
}

/** A round-robin whose preview advances the rotation. */
class AdvancingPreviewRouter extends ReferenceRoundRobin {
  override previewPartition(streamKey: string, partitionCount: number): number {
    return this.selectPartition(streamKey, partitionCount);
  }
}

/** A round-robin whose preview is one step ahead. */
class AheadPreviewRouter extends ReferenceRoundRobin {
  override previewPartition(streamKey: string, partitionCount: number): number {
    return (super.previewPartition(streamKey, partitionCount) + 1) % partitionCount;
  }
}

const small: PartitionRouterContractOptions = { propertyRuns: 100, longKeyLength: 4096 };

describePartitionRouterContract('FNV reference router', createFnvRouter, {
  crossProcess: { moduleUrl: fnvModuleUrl, exportName: 'FnvRouter' },
});

describePartitionRouterContract('round-robin reference router', () => new ReferenceRoundRobin(), { stateful: true });

describe('partition router checks', () => {
  it('list every check once', () => {
    const names = partitionRouterChecks.map((contractCheck) => contractCheck.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(7);
  });

  it('catch a partition one past the range', async () => {
    await expect(checkPartitionInRange(() => new OffByOneRouter(), small)).rejects.toThrow(/expected an integer in \[0, \d+\)/);
  });

  it('catch negative partitions', async () => {
    await expect(checkPartitionInRange(() => new NegativeRouter(), small)).rejects.toThrow(/returned -\d+; expected an integer in/);
  });

  it('catch a random partition', async () => {
    await expect(checkSameKeySamePartition(() => new RandomRouter(), small)).rejects.toThrow(/on a later call|from another created/);
  });

  it('catch a stateful router declared stateless', async () => {
    await expect(checkSameKeySamePartition(() => new ReferenceRoundRobin(), small)).rejects.toThrow(/on a later call|from another created/);
  });

  it('catch an accepted partition count of 0', async () => {
    await expect(checkRejectsInvalidPartitionCount(() => new ZeroCountRouter(), small)).rejects.toThrow(
      /selectPartition\("order-42", 0\) returned 0; it should throw a RangeError/,
    );
  });

  it('catch an error that names neither argument nor value', async () => {
    await expect(checkRejectsInvalidPartitionCount(() => new VagueCountRouter(), small)).rejects.toThrow(
      /does not mention "partitionCount"/,
    );
  });

  it('catch an accepted non-string key', async () => {
    await expect(checkRejectsNonStringKey(() => new StringifyingRouter(), small)).rejects.toThrow(
      /selectPartition\(42, 4\) returned \d+; it should throw a TypeError naming streamKey/,
    );
  });

  it('catch a router that throws on lone surrogates', async () => {
    await expect(checkEdgeCaseKeys(() => new UriEncodingRouter(), small)).rejects.toThrow(/threw URIError.*every string key must be accepted/);
    await expect(checkPartitionInRange(() => new UriEncodingRouter(), small)).rejects.toThrow(/threw URIError/);
  });

  it('catch a preview that advances state', async () => {
    await expect(checkPreviewMatchesSelect(() => new AdvancingPreviewRouter(), small)).rejects.toThrow(/a preview must not change state/);
  });

  it('catch a preview that differs from select', async () => {
    await expect(checkPreviewMatchesSelect(() => new AheadPreviewRouter(), small)).rejects.toThrow(/but the following selectPartition returned/);
  });

  it('catch a per-process hash seed', async () => {
    const factory = (): PartitionRouter => new seededModule.PerProcessSeedRouter();
    await expect(checkSameKeySamePartition(factory, small)).resolves.toEqual({ status: 'passed' });
    await expect(
      checkSameAnswerAcrossProcesses(factory, { crossProcess: { moduleUrl: seededModuleUrl, exportName: 'PerProcessSeedRouter' } }),
    ).rejects.toThrow(/in this process and \d+ in a child process/);
  });

  it('build the child router from a factory or an object', async () => {
    for (const exportName of ['createFnvRouter', 'fnvRouter']) {
      await expect(
        checkSameAnswerAcrossProcesses(createFnvRouter, { crossProcess: { moduleUrl: new URL(fnvModuleUrl), exportName } }),
      ).resolves.toEqual({ status: 'passed' });
    }
  });

  it('report a child process that cannot build the router', async () => {
    await expect(
      checkSameAnswerAcrossProcesses(createFnvRouter, { crossProcess: { moduleUrl: fnvModuleUrl, exportName: 'notARouter' } }),
    ).rejects.toThrow(/exited with code 1: .*is not a router, a router class or a factory function/s);
  });

  it('skip checks that do not apply', async () => {
    await expect(checkSameAnswerAcrossProcesses(createFnvRouter, small)).resolves.toMatchObject({ status: 'skipped' });
    await expect(checkPreviewMatchesSelect(createFnvRouter, small)).resolves.toMatchObject({ status: 'skipped' });
    await expect(checkSameKeySamePartition(() => new ReferenceRoundRobin(), { stateful: true })).resolves.toMatchObject({
      status: 'skipped',
    });
  });

  it('call cleanup even when a check fails', async () => {
    const cleanup = vi.fn();
    const router = new OffByOneRouter();
    await expect(checkPartitionInRange(() => router, { ...small, cleanup })).rejects.toThrow();
    expect(cleanup).toHaveBeenCalledWith(router);
  });
});

describe('describePartitionRouterContract', () => {
  it('rejects a factory that is not a function', () => {
    expect(() => describePartitionRouterContract('x', 'router' as never)).toThrow(TypeError);
  });

  it('rejects a crossProcess option without an export name', () => {
    expect(() => describePartitionRouterContract('x', createFnvRouter, { crossProcess: { moduleUrl: fnvModuleUrl, exportName: '' } })).toThrow(
      /exportName/,
    );
  });
});
