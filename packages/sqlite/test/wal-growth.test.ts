import { statSync } from 'node:fs';

import Database from 'better-sqlite3';
import { createMessageId, type MessageTrace } from '@whizbang/observability';
import { createTraceFixtures } from '@whizbang/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SqliteTraceStore, TRACES_TABLE, type TraceCheckpointEvent } from '../src/index.js';
import { createTemporaryDirectory, type TemporaryDirectory } from './temp-directory.js';

let directory: TemporaryDirectory;

beforeAll(async () => {
  directory = await createTemporaryDirectory();
});

afterAll(async () => {
  await directory.remove();
});

const MIB = 1024 * 1024;
// The store's default journalSizeLimitBytes: the documented bound of the WAL file once no
// reader keeps an old snapshot open.
const WAL_BOUND_BYTES = 16 * MIB;

function walSize(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/** Stores `count` copies of `template` with new ids and increasing timestamps. */
async function writeTraces(store: SqliteTraceStore, template: MessageTrace, count: number, path: string): Promise<number> {
  let maxWal = 0;
  for (let index = 0; index < count; index++) {
    await store.store({ ...template, messageId: createMessageId(), timestamp: template.timestamp + index });
    if (index % 5_000 === 4_999) maxWal = Math.max(maxWal, walSize(path));
  }
  await store.flush();
  return Math.max(maxWal, walSize(path));
}

describe('SqliteTraceStore WAL size', () => {
  it('bounds the WAL once a long reader ends', { timeout: 120_000 }, async () => {
    const path = directory.file('wal.db');
    const store = new SqliteTraceStore({ path });
    const checkpoints: TraceCheckpointEvent[] = [];
    store.onCheckpoint((event) => checkpoints.push(event));
    const template = createTraceFixtures().root();

    // A read transaction on a second connection pins the snapshot it started on.
    const reader = new Database(path, { readonly: true });
    const countRows = reader.prepare(`SELECT count(*) AS count FROM ${TRACES_TABLE}`);
    reader.exec('BEGIN');
    expect(countRows.get()).toEqual({ count: 0 });

    const walWhileReading = await writeTraces(store, template, 100_000, path);
    expect(countRows.get()).toEqual({ count: 0 });

    // Every checkpoint found the reader in the way, and the WAL held all 100,000 traces.
    expect(checkpoints.length).toBeGreaterThanOrEqual(9);
    for (const event of checkpoints) expect(event.ok && event.result.busy).toBe(true);
    expect(walWhileReading).toBeGreaterThan(WAL_BOUND_BYTES);

    reader.exec('COMMIT');
    reader.close();

    // The writer's next periodic checkpoint (after 20 batches of 500) truncates the WAL.
    checkpoints.length = 0;
    await writeTraces(store, template, 10_000, path);
    expect(checkpoints).toHaveLength(1);
    const [afterReader] = checkpoints as [TraceCheckpointEvent];
    expect(afterReader.ok).toBe(true);
    expect(afterReader.ok && afterReader.result.busy).toBe(false);
    expect(walSize(path)).toBeLessThanOrEqual(WAL_BOUND_BYTES);
    expect(walSize(path)).toBe(0);

    // With no reader in the way, the WAL stays under the bound while writing goes on.
    const walWithoutReader = await writeTraces(store, template, 100_000, path);
    expect(walWithoutReader).toBeLessThanOrEqual(WAL_BOUND_BYTES);
    await store.close();
  });
});
