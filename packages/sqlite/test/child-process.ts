import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of a script in test/fixtures. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Result of a child process run to its end. */
export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `node fixtures/<name> ...args` with an IPC channel. */
export function startFixture(name: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [fixturePath(name), ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
}

/** Waits for `child` to exit and collects its output. */
export function waitForExit(child: ChildProcess): Promise<ChildResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs a fixture to its end and fails with its stderr when it exits with an error. */
export async function runFixture(name: string, args: readonly string[]): Promise<ChildResult> {
  const result = await waitForExit(startFixture(name, args));
  if (result.code !== 0) {
    throw new Error(`fixture ${name} exited with code ${String(result.code)} (${String(result.signal)}): ${result.stderr}`);
  }
  return result;
}
