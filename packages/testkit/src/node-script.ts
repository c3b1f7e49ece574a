import { spawn } from 'node:child_process';

import { describeError } from './contract-check.js';

/**
 * Start of a child script: reads the JSON request from standard input into `request`, and
 * imports the module at `request.moduleUrl` as `imported`.
 *
 * @internal
 */
export const READ_REQUEST_AND_IMPORT = `
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const imported = await import(request.moduleUrl);
`;

/** How {@link runNodeScript} names the child process and its output in error messages. */
export interface NodeScriptLabels {
  /** Subject of each message, such as `"The child process that routes keys"`. */
  readonly process: string;

  /** Advice appended to the time-out message, such as `"raise timeoutMs"`. */
  readonly timeoutAdvice: string;

  /** Expected output, such as `"JSON array of partitions"`. */
  readonly output: string;
}

/**
 * Runs `script` (ES module source) in a new Node process, writes `input` to its standard input,
 * and resolves with its standard output parsed as JSON.
 *
 * @throws Error (by rejecting) when the process cannot start, exits with a code other than 0,
 *   writes no JSON, or runs longer than `timeoutMs` (it is then killed).
 * @internal
 */
export function runNodeScript(script: string, input: string, timeoutMs: number, labels: NodeScriptLabels): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${labels.process} timed out after ${timeoutMs} ms; ${labels.timeoutAdvice}`));
    }, timeoutMs);

    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });

    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`${labels.process} exited with code ${String(code)}: ${Buffer.concat(stderr).toString('utf8').trim()}`));
        return;
      }

      try {
        resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')));
      } catch (error) {
        reject(new Error(`${labels.process} wrote no ${labels.output}: ${describeError(error)}`));
      }
    });

    child.stdin.end(input);
  });
}
