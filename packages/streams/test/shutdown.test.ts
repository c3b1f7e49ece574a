import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { installShutdownHandlers, type ShutdownProcess } from '../src/index.js';
import { deferred, flush } from './helpers.js';

function fakeProcess(): ShutdownProcess & EventEmitter & { exit: ReturnType<typeof vi.fn> } {
  return Object.assign(new EventEmitter(), { exit: vi.fn() });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('installShutdownHandlers', () => {
  it('shuts down and exits on SIGTERM', async () => {
    const proc = fakeProcess();
    const done = deferred();
    const target = { shutdown: vi.fn((_signal?: AbortSignal) => done.promise) };
    const onShutdown = vi.fn();
    installShutdownHandlers(target, { process: proc, onShutdown });

    proc.emit('SIGTERM', 'SIGTERM');
    expect(target.shutdown).toHaveBeenCalledTimes(1);
    expect(target.shutdown.mock.calls[0]?.[0]).toBeInstanceOf(AbortSignal);
    expect(proc.exit).not.toHaveBeenCalled();

    done.resolve();
    await flush();
    expect(onShutdown).toHaveBeenCalledWith(undefined);
    expect(proc.exit).toHaveBeenCalledWith(0);
  });

  it('listens to SIGINT too', async () => {
    const proc = fakeProcess();
    const target = { shutdown: vi.fn(() => Promise.resolve()) };
    installShutdownHandlers(target, { process: proc });

    proc.emit('SIGINT', 'SIGINT');
    await flush();
    expect(proc.exit).toHaveBeenCalledWith(0);
  });

  it('exits with 1 when shutdown fails', async () => {
    const proc = fakeProcess();
    const onShutdown = vi.fn();
    installShutdownHandlers({ shutdown: () => Promise.reject(new Error('lane stuck')) }, { process: proc, onShutdown });

    proc.emit('SIGTERM', 'SIGTERM');
    await flush();
    expect(onShutdown).toHaveBeenCalledWith(expect.objectContaining({ message: 'lane stuck' }));
    expect(proc.exit).toHaveBeenCalledWith(1);
  });

  it('aborts the shutdown after the timeout', async () => {
    vi.useFakeTimers();
    const proc = fakeProcess();
    const onShutdown = vi.fn();
    const target = {
      shutdown: (signal?: AbortSignal) =>
        new Promise<void>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason as Error));
        }),
    };
    installShutdownHandlers(target, { process: proc, onShutdown, timeoutMs: 5_000 });

    proc.emit('SIGTERM', 'SIGTERM');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(proc.exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onShutdown).toHaveBeenCalledWith(expect.objectContaining({ message: 'Shutdown on SIGTERM did not finish within 5000 ms; running handlers were aborted.' }));
    expect(proc.exit).toHaveBeenCalledWith(1);
  });

  it('exits at once on a second signal', () => {
    const proc = fakeProcess();
    installShutdownHandlers({ shutdown: () => new Promise(() => undefined) }, { process: proc, timeoutMs: Infinity });

    proc.emit('SIGTERM', 'SIGTERM');
    expect(proc.exit).not.toHaveBeenCalled();
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exit).toHaveBeenCalledWith(1);
  });

  it('can leave the process running', async () => {
    const proc = fakeProcess();
    const onShutdown = vi.fn();
    // A shutdown that rejects without a reason still reports an error.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    installShutdownHandlers({ shutdown: () => Promise.reject(undefined) }, { process: proc, exit: false, onShutdown, signals: ['SIGUSR2'] });

    proc.emit('SIGUSR2', 'SIGUSR2');
    await flush();
    expect(onShutdown).toHaveBeenCalledWith(expect.objectContaining({ message: 'Shutdown failed.' }));
    proc.emit('SIGUSR2', 'SIGUSR2');
    expect(proc.exit).not.toHaveBeenCalled();
  });

  it('removes its listeners', () => {
    const proc = fakeProcess();
    const uninstall = installShutdownHandlers({ shutdown: () => Promise.resolve() }, { process: proc });
    expect(proc.listenerCount('SIGTERM')).toBe(1);
    expect(proc.listenerCount('SIGINT')).toBe(1);

    uninstall();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });

  it.each([
    [undefined, {}, 'Invalid target'],
    [{ shutdown: () => Promise.resolve() }, null, 'Invalid options'],
    [{ shutdown: () => Promise.resolve() }, { signals: [] }, 'Invalid signals'],
    [{ shutdown: () => Promise.resolve() }, { signals: [''] }, 'Invalid signals'],
    [{ shutdown: () => Promise.resolve() }, { timeoutMs: 0 }, 'Invalid timeoutMs: 0'],
    [{ shutdown: () => Promise.resolve() }, { timeoutMs: 2 ** 31 }, 'Invalid timeoutMs: 2147483648'],
  ])('rejects invalid arguments %#', (target, options, message) => {
    expect(() => installShutdownHandlers(target as never, options as never)).toThrow(message);
  });

  it('drains a real process on SIGTERM', async () => {
    const script = fileURLToPath(new URL('./fixtures/sigterm-child.mjs', import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    const started = deferred();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        if (line === 'started') started.resolve();
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    await Promise.race([started.promise, exited.then(() => expect.fail(`child exited early: ${stderr}`))]);
    child.kill('SIGTERM');
    const code = await exited;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lines).toEqual(['started', 'refused DispatcherClosedError', 'finished', 'resolved done', 'shutdown ok']);
  });
});
