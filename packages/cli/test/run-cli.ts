import { spawnSync } from 'node:child_process';

import { inject } from 'vitest';

import { runCli } from '../src/index.js';

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (`node dist/bin.js`) in the fixture directory, as a user would. */
export function runBuilt(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const { bin, directory } = inject('cliFixtures');
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: directory,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', WHIZBANG_DEBUG: '', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `runCli` in this process with captured output, so the coverage report includes the code. */
export async function runInProcess(args: readonly string[], options: { env?: Record<string, string>; isTTY?: boolean } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.isTTY ?? false },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
  });
  return { status, stdout, stderr };
}
