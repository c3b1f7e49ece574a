import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of this package. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A fresh directory under the system temp directory. */
export interface TemporaryDirectory {
  readonly path: string;
  file(name: string): string;
  remove(): void;
}

/** Creates a fresh temporary directory. */
export function createTemporaryDirectory(): TemporaryDirectory {
  const path = mkdtempSync(join(tmpdir(), 'whizbang-example-'));
  return { path, file: (name) => join(path, name), remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs the input generator script and returns its output file's text. */
export function generateOrders(out: string, options: { orders: number; customers: number; declinedPercent: number; seed?: number }): string {
  const args = [
    join(PACKAGE_DIR, 'scripts', 'generate-orders.mjs'),
    '--orders', String(options.orders),
    '--customers', String(options.customers),
    '--declined-percent', String(options.declinedPercent),
    '--out', out,
  ];
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`generate-orders.mjs failed: ${result.stderr}`);
  return readFileSync(out, 'utf8');
}

/** Counts the orders of an input text whose card the example's gateway declines. */
export function countDeclined(text: string): number {
  return text.split('\n').filter((line) => line.includes('"cardLast4":"0002"')).length;
}
