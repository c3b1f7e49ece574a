import { ExecutorStoppedError, ParallelExecutor, SerialExecutor, type ExecutionStrategy } from '@whizbang/execution';
import { createEnvelope, type MessageEnvelope } from '@whizbang/observability';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { abortable } from '../src/in-memory-stream.js';
import { InMemoryStream } from '../src/index.js';
import { deferred, flush } from './helpers.js';

// Lanes hand the context to the executor untouched, so these tests need no real one.
const context = {} as never;

function routed(streamKey: string, sequenceNumber: number): MessageEnvelope<{ key: string; n: number }> {
  const envelope = createEnvelope({ key: streamKey, n: sequenceNumber });
  envelope.setRouting({ topic: 't', streamKey, partitionIndex: 0, sequenceNumber });
  return envelope;
}

function parallelLane(options: { maxConcurrency?: number; timeoutMs?: number } = {}): InMemoryStream {
  return new InMemoryStream({
    topic: 't',
    partitionIndex: 0,
    strategy: new ParallelExecutor({ maxConcurrency: options.maxConcurrency ?? 4, autoStart: true, recordHops: false, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) }),
    ordered: false,
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('InMemoryStream', () => {
  it('holds back a stream key behind its running message', async () => {
    const lane = parallelLane();
    const gate = deferred();
    const started: string[] = [];
    const handler = async (envelope: MessageEnvelope<{ key: string; n: number }>): Promise<void> => {
      started.push(`${envelope.payload.key}${envelope.payload.n}`);
      if (envelope.payload.n === 1) await gate.promise;
    };

    const results = [lane.run(routed('a', 1), handler, context), lane.run(routed('a', 2), handler, context), lane.run(routed('b', 1), handler, context)];
    await flush();
    expect(started).toEqual(['a1', 'b1']);
    expect(lane.pendingCount).toBe(3);
    expect(lane.activeStreamKeys).toBe(2);

    gate.resolve();
    await Promise.all(results);
    expect(started).toEqual(['a1', 'b1', 'a2']);
    expect(lane.pendingCount).toBe(0);
    expect(lane.activeStreamKeys).toBe(0);
    await lane.close();
  });

  it('keeps a stream blocked while a timed-out handler still runs', async () => {
    vi.useFakeTimers();
    const lane = parallelLane({ timeoutMs: 100 });
    const events: string[] = [];
    const handler = async (envelope: MessageEnvelope<{ key: string; n: number }>): Promise<void> => {
      events.push(`start ${envelope.payload.n}`);
      // Ignores its abort signal on purpose.
      await new Promise((resolve) => setTimeout(resolve, envelope.payload.n === 1 ? 500 : 10));
      events.push(`end ${envelope.payload.n}`);
    };

    const first = lane.run(routed('a', 1), handler, context);
    first.catch(() => undefined);
    const second = lane.run(routed('a', 2), handler, context);

    await vi.advanceTimersByTimeAsync(150);
    await expect(first).rejects.toThrow(/timed out after 100 ms/);
    expect(events).toEqual(['start 1']);

    await vi.advanceTimersByTimeAsync(400);
    await second;
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    await lane.close();
  });

  it('releases a stream after a synchronous handler throws', async () => {
    const lane = parallelLane();
    const failing = lane.run(routed('a', 1), () => {
      throw new Error('sync failure');
    }, context);
    const next = lane.run(routed('a', 2), () => 'second', context);

    await expect(failing).rejects.toThrow('sync failure');
    await expect(next).resolves.toBe('second');
    await lane.close();
  });

  it('rejects a held-back message whose signal aborts', async () => {
    const lane = parallelLane();
    const gate = deferred();
    const ran: number[] = [];
    const handler = async (envelope: MessageEnvelope<{ key: string; n: number }>): Promise<void> => {
      ran.push(envelope.payload.n);
      if (envelope.payload.n === 1) await gate.promise;
    };

    const controller = new AbortController();
    const first = lane.run(routed('a', 1), handler, context);
    const second = lane.run(routed('a', 2), handler, context, controller.signal);
    const third = lane.run(routed('a', 3), handler, context);
    controller.abort(new Error('gave up'));

    await expect(second).rejects.toThrow('gave up');
    expect(lane.pendingCount).toBe(2);
    gate.resolve();
    await Promise.all([first, third]);
    expect(ran).toEqual([1, 3]);

    const aborted = AbortSignal.abort(new Error('already aborted'));
    const blocker = deferred();
    const running = lane.run(routed('b', 1), () => blocker.promise, context);
    await expect(lane.run(routed('b', 2), handler, context, aborted)).rejects.toThrow('already aborted');
    blocker.resolve();
    await running;
    await lane.close();
  });

  it('passes messages straight to an ordered strategy', async () => {
    const lane = new InMemoryStream({ topic: 't', partitionIndex: 1, strategy: new SerialExecutor({ autoStart: true, recordHops: false }), ordered: true });
    const order: string[] = [];
    const results = [
      lane.run(routed('a', 1), async () => order.push('a1'), context),
      lane.run(routed('b', 1), async () => order.push('b1'), context),
      lane.run(routed('a', 2), async () => order.push('a2'), context),
    ];

    expect(lane.activeStreamKeys).toBe(0);
    await Promise.all(results);
    expect(order).toEqual(['a1', 'b1', 'a2']);
    expect(lane.name).toBe('t#1');
    await lane.close();
  });

  it('waits for a strategy that starts asynchronously', async () => {
    const strategy = new ParallelExecutor({ recordHops: false });
    const realStart = strategy.start.bind(strategy);
    const started = deferred();
    vi.spyOn(strategy, 'start').mockImplementation(async () => {
      await started.promise;
      await realStart();
    });
    const lane = new InMemoryStream({ topic: 't', partitionIndex: 0, strategy, ordered: false });

    const order: number[] = [];
    const first = lane.run(routed('a', 1), () => order.push(1), context);
    const second = lane.run(routed('a', 2), () => order.push(2), context);
    await flush();
    expect(order).toEqual([]);

    started.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual([1, 2]);
    await lane.close();
  });

  it('rejects messages waiting for the start when close is aborted', async () => {
    const strategy = new ParallelExecutor({ recordHops: false });
    const started = deferred();
    const realStart = strategy.start.bind(strategy);
    vi.spyOn(strategy, 'start').mockImplementation(async () => {
      await started.promise;
      await realStart();
    });
    const lane = new InMemoryStream({ topic: 't', partitionIndex: 0, strategy, ordered: false });
    const waiting = lane.run(routed('a', 1), () => 'never', context);

    await expect(lane.close(AbortSignal.abort(new Error('now')))).rejects.toThrow('now');
    started.resolve();
    await expect(waiting).rejects.toBeInstanceOf(ExecutorStoppedError);
    expect(lane.pendingCount).toBe(0);
  });

  it('rejects messages accepted while starting once close was aborted', async () => {
    const strategy = new ParallelExecutor({ recordHops: false });
    const started = deferred();
    vi.spyOn(strategy, 'start').mockImplementation(() => started.promise);
    vi.spyOn(strategy, 'stop').mockResolvedValue({ rejectedQueued: 0, abortedRunning: 0, unfinished: [] });
    const handler = vi.fn();
    const lane = new InMemoryStream({ topic: 't', partitionIndex: 0, strategy, ordered: false });
    const waiting = lane.run(routed('a', 1), handler, context);

    await expect(lane.close(AbortSignal.abort(new Error('now')))).rejects.toThrow('now');
    started.resolve();
    await expect(waiting).rejects.toThrow('Stream t#0 was closed before the message ran.');
    expect(handler).not.toHaveBeenCalled();
    expect(lane.pendingCount).toBe(0);
  });

  it('starts an idle strategy before the first message', async () => {
    const strategy = new ParallelExecutor({ maxConcurrency: 2, recordHops: false });
    const lane = new InMemoryStream({ topic: 't', partitionIndex: 0, strategy, ordered: false });

    await expect(lane.run(routed('a', 1), () => 'ran', context)).resolves.toBe('ran');
    expect(strategy.state).toBe('running');
    await lane.close();
    expect(strategy.state).toBe('stopped');
  });

  it('rejects messages when the strategy fails to start', async () => {
    const strategy = new ParallelExecutor({ recordHops: false });
    vi.spyOn(strategy, 'start').mockRejectedValue(new Error('cannot start'));
    const lane = new InMemoryStream({ topic: 't', partitionIndex: 0, strategy, ordered: false });

    await expect(lane.run(routed('a', 1), () => 'ran', context)).rejects.toThrow('cannot start');
    expect(lane.pendingCount).toBe(0);
  });

  it('rejects an envelope without routing', async () => {
    const lane = parallelLane();
    await expect(lane.run(createEnvelope({}), () => 1, context)).rejects.toThrow(/has no routing/);
    expect(lane.pendingCount).toBe(0);
    await lane.close();
  });

  it('waits for idle and refuses work after close', async () => {
    const lane = parallelLane();
    await expect(lane.whenIdle()).resolves.toBeUndefined();

    const gate = deferred();
    const running = lane.run(routed('a', 1), () => gate.promise, context);
    let idle = false;
    void lane.whenIdle().then(() => (idle = true));
    await flush();
    expect(idle).toBe(false);

    const closing = lane.close();
    await expect(lane.run(routed('a', 2), () => 1, context)).rejects.toThrow('Stream t#0 is closed');
    gate.resolve();
    await running;
    await closing;
    expect(idle).toBe(true);
    expect(lane.strategy.state).toBe('stopped');
  });

  it('stops at once when close is aborted', async () => {
    const lane = parallelLane();
    const blocker = deferred();
    const running = lane.run(routed('a', 1), (_envelope, _context, signal) => {
      signal.addEventListener('abort', () => blocker.resolve());
      return blocker.promise;
    }, context);
    const heldBack = lane.run(routed('a', 2), () => 'never', context);
    running.catch(() => undefined);

    const controller = new AbortController();
    const closing = lane.close(controller.signal);
    controller.abort(new Error('too slow'));

    await expect(closing).rejects.toThrow('too slow');
    await expect(heldBack).rejects.toBeInstanceOf(ExecutorStoppedError);
    await expect(heldBack).rejects.toThrow('Stream t#0 was closed before the message ran.');
    await running.catch(() => undefined);
  });

  it.each([
    [{ topic: '', partitionIndex: 0, strategy: new SerialExecutor(), ordered: true }, 'Invalid topic'],
    [{ topic: 't', partitionIndex: -1, strategy: new SerialExecutor(), ordered: true }, 'Invalid partitionIndex: -1'],
    [{ topic: 't', partitionIndex: 0, strategy: {} as ExecutionStrategy, ordered: true }, 'Invalid strategy'],
  ])('rejects invalid options %#', (options, message) => {
    expect(() => new InMemoryStream(options)).toThrow(message);
  });
});

describe('abortable', () => {
  it('passes results and rejections through', async () => {
    const controller = new AbortController();
    await expect(abortable(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error('inner')), controller.signal)).rejects.toThrow('inner');
    await expect(abortable(Promise.resolve(1), undefined)).resolves.toBe(1);
  });

  it('rejects with the abort reason', async () => {
    await expect(abortable(new Promise(() => undefined), AbortSignal.abort(new Error('early')))).rejects.toThrow('early');

    const controller = new AbortController();
    const pending = abortable(new Promise(() => undefined), controller.signal);
    controller.abort(new Error('late'));
    await expect(pending).rejects.toThrow('late');
  });
});
