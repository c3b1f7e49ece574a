import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory for one test file, removed by `remove()`. */
export interface TemporaryDirectory {
  readonly path: string;
  file(name: string): string;
  remove(): Promise<void>;
}

/** Creates a fresh directory under the system temp directory. */
export async function createTemporaryDirectory(): Promise<TemporaryDirectory> {
  const path = await mkdtemp(join(tmpdir(), 'whizbang-sqlite-'));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
