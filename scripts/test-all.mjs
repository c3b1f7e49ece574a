#!/usr/bin/env node
// The whole test command: install from the lockfile, check the package graph,
// build, type-check and lint every package, run every package's Vitest suite
// with coverage, then print coverage per package and one closing line
// "Tests: N passed, N failed" (", N skipped" when any were skipped).
// It needs only Node.js 20 and npm: pnpm is fetched by npx at the exact
// version pinned in package.json, because corepack cannot fetch it here.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = rootManifest.packageManager; // for example "pnpm@10.34.9"
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

const [major] = process.versions.node.split('.').map(Number);
if (major === undefined || major < 20) {
  console.error(`Node.js ${process.versions.node} is too old: Whizbang needs Node.js 20 or newer.`);
  process.exit(1);
}

let stepFailed = false;

/** Runs one step in the repository root; a failed step is remembered, later steps still run where they can. */
function run(title, command, args) {
  console.log(`\n=== ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  const ok = result.status === 0;
  if (!ok) {
    stepFailed = true;
    console.error(`=== ${title} failed (exit ${result.status ?? result.signal ?? 'unknown'})`);
  }
  return ok;
}

const pnpm = (args) => ['--yes', pnpmSpec, ...args];

const installArgs = ['install', '--frozen-lockfile'];
const installed = run('install', 'npx', pnpm(installArgs));

const packageDirs = ['packages', 'benchmarks']
  .flatMap((group) => {
    const base = join(root, group);
    if (!existsSync(base)) return [];
    if (existsSync(join(base, 'package.json'))) return [base];
    return readdirSync(base, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(base, entry.name, 'package.json')))
      .map((entry) => join(base, entry.name));
  });

// Stale results from an earlier run must never be counted as this run's.
for (const dir of packageDirs) {
  rmSync(join(dir, '.test-results'), { recursive: true, force: true });
  rmSync(join(dir, 'coverage'), { recursive: true, force: true });
}

if (installed) {
  run('package graph', 'node', [join(root, 'scripts', 'check-package-graph.mjs')]);
  const servicesScript = join(root, 'scripts', 'check-services.mjs');
  if (existsSync(servicesScript)) run('services', 'node', [servicesScript]);
  const built = run('build, type-check, lint', 'npx', pnpm(['exec', 'turbo', 'run', 'build', 'typecheck', 'lint', '--output-logs=errors-only']));
  if (built) {
    run('tests', 'npx', pnpm(['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=1']));
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];

for (const dir of packageDirs) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!manifest.scripts?.test) continue;

  const resultsFile = join(dir, '.test-results', 'results.json');
  if (!existsSync(resultsFile)) {
    // A suite that never wrote results crashed or never ran: count it as one failure.
    failed += 1;
    rows.push([manifest.name, 'no results', '-', '-']);
    continue;
  }

  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed += results.numPassedTests ?? 0;
  failed += results.numFailedTests ?? 0;
  skipped += (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);

  // A suite file that fails to load has no tests in it but still fails the run.
  const brokenFiles = (results.testResults ?? []).filter((file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0);
  failed += brokenFiles.length;

  const summaryFile = join(dir, 'coverage', 'coverage-summary.json');
  let lines = '-';
  let branches = '-';
  if (existsSync(summaryFile)) {
    const total = JSON.parse(readFileSync(summaryFile, 'utf8')).total;
    lines = `${total.lines.pct}%`;
    branches = `${total.branches.pct}%`;
  }
  rows.push([manifest.name, `${results.numPassedTests ?? 0}/${results.numTotalTests ?? 0}`, lines, branches]);
}

if (rows.length > 0) {
  console.log('\nCoverage per package');
  const header = ['package', 'tests passed', 'lines', 'branches'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => String(row[column]).length)));
  const format = (row) => row.map((cell, column) => String(cell).padEnd(widths[column])).join('  ');
  console.log(format(header));
  for (const row of rows) console.log(format(row));
}

if (stepFailed && failed === 0) {
  // Install, build, lint or the graph check failed: the run must not read as green.
  failed = 1;
}

console.log('');
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || stepFailed ? 1 : 0);
