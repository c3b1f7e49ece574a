import Database from 'better-sqlite3';
import type { CorrelationId, MessageId } from '@whizbang/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SqliteTraceStore, TRACES_TABLE } from '../src/index.js';
import { runFixture, startFixture, waitForExit } from './child-process.js';
import { createTemporaryDirectory, type TemporaryDirectory } from './temp-directory.js';

let directory: TemporaryDirectory;

beforeAll(async () => {
  directory = await createTemporaryDirectory();
});

afterAll(async () => {
  await directory.remove();
});

/** Counts the stored traces of each correlation id with a plain connection. */
function countsByCorrelation(path: string): Map<string, number> {
  const database = new Database(path, { readonly: true });
  try {
    const rows = database
      .prepare(`SELECT correlation_id, count(*) AS count FROM ${TRACES_TABLE} GROUP BY correlation_id`)
      .all() as { correlation_id: string; count: number }[];
    return new Map(rows.map((row) => [row.correlation_id, row.count]));
  } finally {
    database.close();
  }
}

function integrityOf(path: string): string {
  const database = new Database(path, { readonly: true });
  try {
    return database.pragma('integrity_check', { simple: true }) as string;
  } finally {
    database.close();
  }
}

describe('SqliteTraceStore crash safety', () => {
  it('keeps every committed batch after SIGKILL', { timeout: 120_000 }, async () => {
    const path = directory.file('crash.db');
    const groupSize = 1_000;
    const kills = 20;
    const reported: string[] = [];

    for (let run = 0; run < kills; run++) {
      const child = startFixture('crash-writer.mjs', [path, String(groupSize)]);
      const exit = waitForExit(child);
      // After 2 or 3 committed groups, kill at a random point of the next store-and-commit cycle:
      // the delay is a random part of the time the last cycle took. Kills then land while the
      // child is queuing traces as well as while it is inside a transaction.
      const killAfter = 2 + (run % 2);
      let received = 0;
      let lastReportAt = 0;

      child.on('message', (message: { committed: string }) => {
        reported.push(message.committed);
        received++;
        const now = performance.now();
        const cycleMs = now - lastReportAt;
        lastReportAt = now;
        if (received === killAfter) setTimeout(() => child.kill('SIGKILL'), Math.random() * cycleMs);
      });

      const result = await exit;
      expect(result.signal, `run ${run} stderr: ${result.stderr}`).toBe('SIGKILL');
      expect(received, `run ${run}`).toBeGreaterThanOrEqual(killAfter);

      expect(integrityOf(path), `integrity after run ${run}`).toBe('ok');
      const counts = countsByCorrelation(path);
      for (const correlationId of reported) {
        expect(counts.get(correlationId), `reported group ${correlationId} after run ${run}`).toBe(groupSize);
      }
      for (const [correlationId, count] of counts) {
        expect(count, `group ${correlationId} after run ${run}: a partial batch`).toBe(groupSize);
      }
    }

    // The file opens as a store after the last kill and every reported trace reads back whole.
    const store = new SqliteTraceStore({ path });
    for (const correlationId of reported) {
      const traces = await store.getByCorrelation(correlationId as CorrelationId);
      expect(traces).toHaveLength(groupSize);
      for (const [index, trace] of traces.entries()) {
        expect(trace.streamKey).toBe(`crash-${index}`);
        expect(trace.hops).toHaveLength(1);
        expect(trace.decisions[0]?.configuration).toEqual({ index });
      }
    }
    await store.close();
  });
});

describe('SqliteTraceStore with two writer processes', () => {
  it('keeps every trace of both writers', { timeout: 120_000 }, async () => {
    const path = directory.file('two-writers.db');
    const perProcess = 20_000;

    // Create the file first so the children do not race to switch it to WAL mode.
    await new SqliteTraceStore({ path }).close();

    const outputs = await Promise.all(
      ['first', 'second'].map((label) => runFixture('concurrent-writer.mjs', [path, String(perProcess), label])),
    );
    const written = outputs.map((output) => JSON.parse(output.stdout) as { correlationId: string; messageIds: string[] });

    const counts = countsByCorrelation(path);
    expect([...counts.values()].reduce((sum, count) => sum + count, 0)).toBe(2 * perProcess);

    const store = new SqliteTraceStore({ path });
    for (const { correlationId, messageIds } of written) {
      expect(counts.get(correlationId)).toBe(perProcess);
      const traces = await store.getByCorrelation(correlationId as CorrelationId);
      expect(new Set(traces.map((trace) => trace.messageId))).toEqual(new Set(messageIds));
    }
    const sample = written[0]?.messageIds[perProcess - 1] as MessageId;
    expect((await store.getByMessageId(sample))?.sequenceNumber).toBe(perProcess - 1);
    await store.close();
  });
});

describe('SqliteTraceStore at process exit', () => {
  it('writes queued traces before a natural exit', { timeout: 60_000 }, async () => {
    const path = directory.file('natural-exit.db');
    const count = 5_000;
    const child = startFixture('shutdown-writer.mjs', [path, String(count), 'exit']);
    let report: { correlationId: string; queued: number } | undefined;
    child.on('message', (message: { correlationId: string; queued: number }) => (report = message));

    const result = await waitForExit(child);
    expect(result.code, result.stderr).toBe(0);
    expect(report?.queued).toBe(count);
    expect(countsByCorrelation(path).get(report?.correlationId ?? '')).toBe(count);
  });

  it('closes the store on SIGTERM', { timeout: 60_000 }, async () => {
    const path = directory.file('sigterm.db');
    const count = 50_000;
    const child = startFixture('shutdown-writer.mjs', [path, String(count), 'signal']);
    let report: { correlationId: string; queued: number } | undefined;
    child.on('message', (message: { correlationId: string; queued: number }) => {
      report = message;
      child.kill('SIGTERM');
    });

    const result = await waitForExit(child);
    expect(result.signal, result.stderr).toBe('SIGTERM');
    expect(report?.queued).toBe(count);
    expect(countsByCorrelation(path).get(report?.correlationId ?? '')).toBe(count);
  });

  it('loses queued traces on SIGTERM without the hook', { timeout: 60_000 }, async () => {
    const path = directory.file('sigterm-unprotected.db');
    const count = 50_000;
    const child = startFixture('shutdown-writer.mjs', [path, String(count), 'signal-unprotected']);
    let report: { correlationId: string; queued: number } | undefined;
    child.on('message', (message: { correlationId: string; queued: number }) => {
      report = message;
      child.kill('SIGTERM');
    });

    const result = await waitForExit(child);
    expect(result.signal).toBe('SIGTERM');
    expect(report?.queued).toBe(count);
    expect(countsByCorrelation(path).get(report?.correlationId ?? '') ?? 0).toBeLessThan(count);
  });
});
