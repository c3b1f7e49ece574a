import { startGetNextLoops, type GetNextLoops } from '@whizbang/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  RedisConnectionError,
  SequenceKeyLostError,
  SequenceOutcomeUnknownError,
} from '../src/index.js';
import { createFloor, createProvider } from './support/providers.js';
import { adminClient, OwnRedisServer, uniquePrefix } from './support/servers.js';

const CONNECT_TIMEOUT_MS = 500;
const COMMAND_TIMEOUT_MS = 1_000;

async function waitForMoreNumbers(loops: GetNextLoops, more: number): Promise<void> {
  const before = loops.numberCount();
  await vi.waitFor(() => expect(loops.numberCount()).toBeGreaterThan(before + more), { timeout: 20_000 });
}

async function waitForMoreErrors(loops: GetNextLoops, more: number): Promise<void> {
  const before = loops.errorCount();
  await vi.waitFor(() => expect(loops.errorCount()).toBeGreaterThan(before + more), { timeout: 20_000 });
}

/** Checks what every run must show: known errors only, bounded calls, unique increasing numbers. */
function checkOutcomes(loops: GetNextLoops): { numbers: number[]; errors: unknown[] } {
  const errors = loops.results.flatMap((result) => result.errors);
  const numbers = loops.results.flatMap((result) => result.numbers);

  for (const error of errors) {
    const known = error instanceof RedisConnectionError || error instanceof SequenceOutcomeUnknownError;
    expect(known, String(error)).toBe(true);
  }
  // Never hangs: a call waits at most for the connection and for one command per round trip.
  for (const result of loops.results) expect(result.maxCallMs).toBeLessThan(CONNECT_TIMEOUT_MS + 4 * COMMAND_TIMEOUT_MS + 1_000);

  expect(new Set(numbers).size).toBe(numbers.length);
  for (const result of loops.results) {
    for (let index = 1; index < result.numbers.length; index++) {
      expect(result.numbers[index]!).toBeGreaterThan(result.numbers[index - 1]!);
    }
  }
  return { numbers, errors };
}

const servers: OwnRedisServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('RedisSequenceProvider connection loss', () => {
  it.each([false, true])('survives CLIENT KILL (auto-pipelining %s)', async (autoPipelining) => {
    const connectionName = `whizbang-kill-${Math.random().toString(36).slice(2)}`;
    const provider = createProvider({
      autoPipelining,
      floor: createFloor(),
      connectionName,
      connectTimeoutMillis: CONNECT_TIMEOUT_MS,
      commandTimeoutMillis: COMMAND_TIMEOUT_MS,
    });
    const admin = adminClient();
    const loops = startGetNextLoops(provider, 'killed', 4);

    let killed = 0;
    for (let round = 0; round < 5; round++) {
      await waitForMoreNumbers(loops, 300);
      const clients = String(await admin.client('LIST')).split('\n');
      for (const line of clients.filter((entry) => entry.includes(` name=${connectionName} `))) {
        const id = /\bid=(\d+)/.exec(line)?.[1];
        if (id !== undefined) killed += Number(await admin.client('KILL', 'ID', id));
      }
    }
    await waitForMoreNumbers(loops, 300);
    await loops.stop();
    admin.disconnect();

    const { numbers, errors } = checkOutcomes(loops);
    expect(killed).toBe(5);
    expect(errors.some((error) => error instanceof SequenceOutcomeUnknownError)).toBe(true);
    expect(await provider.getNext('killed')).toBeGreaterThan(Math.max(...numbers));
  });

  it('survives a server restart that loses every key', async () => {
    const server = await OwnRedisServer.start();
    servers.push(server);
    const provider = createProvider({
      url: server.url,
      floor: createFloor(),
      floorStep: 50,
      connectTimeoutMillis: CONNECT_TIMEOUT_MS,
      commandTimeoutMillis: COMMAND_TIMEOUT_MS,
    });
    const loops = startGetNextLoops(provider, 'restarted', 4);

    await waitForMoreNumbers(loops, 500);
    await server.stop();
    const beforeRestart = Math.max(...loops.results.flatMap((result) => result.numbers));
    await waitForMoreErrors(loops, 20);
    await server.restart();
    await waitForMoreNumbers(loops, 500);
    await loops.stop();

    const { numbers, errors } = checkOutcomes(loops);
    expect(errors.some((error) => error instanceof RedisConnectionError)).toBe(true);
    // The restarted server had no key: numbers went on from the durable floor, not from 1.
    const afterRestart = loops.results.flatMap((result) => result.numbers.filter((value) => value > beforeRestart));
    expect(afterRestart.length).toBeGreaterThan(500);
    expect(numbers.filter((value) => value <= 50).length).toBeLessThanOrEqual(50);
    expect(await provider.getNext('restarted')).toBeGreaterThan(Math.max(...numbers));
  });

  it('continues at 6 after a restart with floor step 1', async () => {
    const server = await OwnRedisServer.start();
    servers.push(server);
    const provider = createProvider({ url: server.url, floor: createFloor(), floorStep: 1, connectTimeoutMillis: CONNECT_TIMEOUT_MS });
    for (let expected = 1; expected <= 5; expected++) expect(await provider.getNext('order-1')).toBe(expected);

    await server.restart();

    await vi.waitFor(() => provider.getCurrent('order-1'), { timeout: 10_000 });
    expect(await provider.getNext('order-1')).toBe(6);
  });

  it('fails clearly after a restart without a floor', async () => {
    const server = await OwnRedisServer.start();
    servers.push(server);
    const provider = createProvider({ url: server.url, keyPrefix: uniquePrefix(), connectTimeoutMillis: CONNECT_TIMEOUT_MS });
    for (let expected = 1; expected <= 5; expected++) expect(await provider.getNext('order-1')).toBe(expected);

    await server.stop();
    await expect(provider.getNext('order-1')).rejects.toThrow(RedisConnectionError);
    await expect(provider.getNext('order-1')).rejects.toThrow(/not reachable|not connected/);
    await server.restart();

    await vi.waitFor(() => expect(provider.getNext('order-1')).rejects.toThrow(SequenceKeyLostError), { timeout: 10_000 });
  });
});
