import { captureCallSite, createEnvelope, type CallSiteInfo, type HopInit } from '@whizbang/observability';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ParallelExecutor, SerialExecutor, UNKNOWN_CALLER } from '../src/index.js';
import { contextOf, envelopeOf } from './helpers.js';

describe('hop recording', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('appends a hop with strategy, routing, caller and duration', async () => {
    vi.useFakeTimers();
    const executor = new ParallelExecutor({ maxConcurrency: 4 });
    const envelope = createEnvelope({ type: 'OrderPlaced' });
    envelope.setRouting({ topic: 'orders', streamKey: 'order-42', partitionIndex: 3, sequenceNumber: 7 });
    await executor.start();

    // Both calls on one line, so the captured caller line can be compared.
    const [here, call] = [captureCallSite(), executor.execute(envelope, () => new Promise((resolve) => setTimeout(resolve, 25)), contextOf(envelope))];
    await vi.advanceTimersByTimeAsync(25);
    await call;

    expect(envelope.hops).toHaveLength(1);
    const hop = envelope.hops[0]!;
    expect(hop.executionStrategy).toBe('parallel');
    expect(hop.topic).toBe('orders');
    expect(hop.streamKey).toBe('order-42');
    expect(hop.partitionIndex).toBe(3);
    expect(hop.sequenceNumber).toBe(7);
    expect(hop.durationMs).toBe(25);
    expect(hop.caller.fileName).toBe(here.fileName);
    expect(hop.caller.line).toBe(here.line);
  });

  it('records a hop for failed handlers too', async () => {
    const executor = new SerialExecutor();
    const envelope = envelopeOf('x');
    await executor.start();

    await expect(
      executor.execute(
        envelope,
        () => {
          throw new Error('failed');
        },
        contextOf(envelope),
      ),
    ).rejects.toThrow('failed');
    expect(envelope.hops.map((hop) => hop.executionStrategy)).toEqual(['serial']);
  });

  it('rejects an unrouted envelope with a TypeError', async () => {
    const executor = new SerialExecutor();
    const envelope = createEnvelope('unrouted');
    let ran = false;
    await executor.start();

    const call = executor.execute(
      envelope,
      () => {
        ran = true;
      },
      contextOf(envelope),
    );

    await expect(call).rejects.toThrow(TypeError);
    await expect(call).rejects.toThrow('it has no topic');
    expect(ran).toBe(false);
    expect(executor.state).toBe('running');
  });

  it('records nothing with recordHops false', async () => {
    const executor = new SerialExecutor({ recordHops: false });
    const envelope = envelopeOf('x');
    await executor.start();

    await executor.execute(envelope, () => 'done', contextOf(envelope));
    expect(envelope.hops).toEqual([]);
  });

  it('passes the unknown caller with captureCallers false', async () => {
    const seen: { init: HopInit; caller: CallSiteInfo }[] = [];
    const executor = new SerialExecutor({ captureCallers: false, hopRecorder: (_envelope, init, caller) => seen.push({ init, caller }) });
    const envelope = createEnvelope('unrouted');
    await executor.start();

    await executor.execute(envelope, () => 'done', contextOf(envelope));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.caller).toBe(UNKNOWN_CALLER);
    expect(seen[0]!.caller.resolve().origin).toBe('unknown');
    expect(seen[0]!.init).toMatchObject({ topic: '', streamKey: '', executionStrategy: 'serial' });
    expect(seen[0]!.init.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('captures the caller of execute for each message of a queue', async () => {
    const executor = new SerialExecutor();
    const envelopes = [envelopeOf(1), envelopeOf(2)];
    await executor.start();

    const lines: (number | undefined)[] = [];
    const calls: Promise<unknown>[] = [];

    for (const envelope of envelopes) {
      const [here, call] = [captureCallSite(), executor.execute(envelope, async () => undefined, contextOf(envelope))];
      lines.push(here.line);
      calls.push(call);
    }

    await Promise.all(calls);
    expect(envelopes.map((envelope) => envelope.hops[0]?.caller.line)).toEqual(lines);
  });
});
