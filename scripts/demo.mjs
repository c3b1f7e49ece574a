#!/usr/bin/env node
// Runs the order-flow example on a fresh clone with only Node.js 20 and npm:
//
//   node scripts/demo.mjs [example options, e.g. --input my-orders.jsonl --db my.db]
//
// 1. installs the workspace from the lockfile (skipped when node_modules matches it),
// 2. builds the example and the packages it depends on (the CLI among them),
// 3. runs the example in the folder you ran the demo from, so relative --input and --db paths
//    are read from that folder and whizbang-traces.db lands there,
// 4. prints a CLI command that lists what the run stored, and that works from that folder.
// WHIZBANG_DEMO_SKIP_BUILD=1 skips steps 1 and 2 and runs the existing build (the tests use it).
// pnpm is fetched by npx at the version the root package.json pins, because corepack cannot
// fetch it everywhere. Plain Node.js, no dependencies: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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

/** Path of a file as typed in the user's folder: relative when the file is below it, else absolute (as the example prints it). */
function shown(file) {
  const path = relative(process.cwd(), file);
  return path.startsWith('..') ? file : path;
}

/** Quotes an argument for a POSIX shell when it needs it. */
function quote(argument) {
  return /^[\w./:=@+-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}

if (process.env.WHIZBANG_DEMO_SKIP_BUILD === '1') {
  console.log('> install and build: skipped (WHIZBANG_DEMO_SKIP_BUILD=1)');
} else {
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
}

// The example runs in the user's folder, so its relative paths and printed commands work there.
// Only the script itself is found through the repository.
const main = join(root, 'packages', 'example-order-flow', 'dist', 'main.js');
const cli = `node ${quote(shown(join(root, 'packages', 'cli', 'dist', 'bin.js')))}`;
console.log(`\n> run: node ${[shown(main), ...exampleArgs].map(quote).join(' ')}\n`);
const startedAt = new Date(Date.now() - 1_000);
const run = spawnSync(process.execPath, [main, ...exampleArgs], { cwd: process.cwd(), env, stdio: 'inherit' });
const endedAt = new Date(Date.now() + 1_000);
if (run.status !== 0) process.exit(run.status ?? 1);

// The last --db wins, as in the example; both `--db PATH` and `--db=PATH` are accepted there.
let db;
exampleArgs.forEach((argument, index) => {
  if (argument === '--db' && exampleArgs[index + 1] !== undefined) db = exampleArgs[index + 1];
  else if (argument.startsWith('--db=')) db = argument.slice('--db='.length);
});
const dbOption = db === undefined ? '' : ` --db ${quote(db)}`;
console.log(
  '\nEvery message of the run is in the trace database. Besides the commands above, list the first messages of the run with:\n' +
    `  ${cli} trace range --from ${startedAt.toISOString()} --to ${endedAt.toISOString()} --limit 20${dbOption}\n` +
    `and see every command with: ${cli} trace --help`,
);
