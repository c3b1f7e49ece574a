#!/usr/bin/env node
// Runs the order-flow example on a fresh clone with only Node.js 20 and npm:
//
//   node scripts/demo.mjs [example options, e.g. --input my-orders.jsonl --db my.db]
//
// 1. installs the workspace from the lockfile (skipped when node_modules matches it),
// 2. builds the example and the packages it depends on (the CLI among them),
// 3. runs the example from the repository root with the given options,
// 4. prints a CLI command that lists what the run stored.
// pnpm is fetched by npx at the version the root package.json pins, because corepack cannot
// fetch it everywhere. Plain Node.js, no dependencies: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpm = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager; // "pnpm@10.34.9"
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const exampleArgs = process.argv.slice(2);

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 11)) {
  console.error(`Node.js ${process.versions.node} is too old: the demo needs Node.js 20.11 or newer.`);
  process.exit(1);
}

/** Runs one step in the repository root and stops the demo when it fails. */
function step(title, command, args) {
  console.log(`\n> ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\nThe demo stopped: "${title}" failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

// pnpm keeps a copy of the lockfile it installed; when it equals the current lockfile, the
// installed packages are current.
const installedLock = join(root, 'node_modules', '.pnpm', 'lock.yaml');
const current = existsSync(installedLock) && readFileSync(installedLock, 'utf8') === readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
if (current) {
  console.log('> install: node_modules matches pnpm-lock.yaml, skipped');
} else {
  step('install', 'npx', ['--yes', pnpm, 'install', '--frozen-lockfile']);
}

step('build', 'npx', ['--yes', pnpm, 'exec', 'turbo', 'run', 'build', '--filter=@whizbang/example-order-flow...', '--output-logs=errors-only']);

console.log(`\n> run: node packages/example-order-flow/dist/main.js ${exampleArgs.join(' ')}\n`);
const startedAt = new Date(Date.now() - 1_000);
const run = spawnSync(process.execPath, [join('packages', 'example-order-flow', 'dist', 'main.js'), ...exampleArgs], { cwd: root, env, stdio: 'inherit' });
const endedAt = new Date(Date.now() + 1_000);
if (run.status !== 0) process.exit(run.status ?? 1);

const dbIndex = exampleArgs.lastIndexOf('--db');
const dbOption = dbIndex === -1 || exampleArgs[dbIndex + 1] === undefined ? '' : ` --db ${exampleArgs[dbIndex + 1]}`;
console.log(
  '\nEvery message of the run is in the trace database. Besides the commands above, list the first messages of the run with:\n' +
    `  node packages/cli/dist/bin.js trace range --from ${startedAt.toISOString()} --to ${endedAt.toISOString()} --limit 20${dbOption}\n` +
    'and see every command with: node packages/cli/dist/bin.js trace --help',
);
