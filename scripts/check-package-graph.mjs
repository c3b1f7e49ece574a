#!/usr/bin/env node
// Fails when the @whizbang package graph has a cycle. It reads every
// workspace package.json (dependencies, peerDependencies, optional and dev
// dependencies alike, because a cycle through any of them breaks builds).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { findCycle } from './package-graph.mjs';

// Self-check: a checker that cannot see a cycle would pass every graph.
if (!findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))) {
  console.error('Package graph check is broken: it missed the cycle a -> b -> c -> a.');
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const graph = new Map();

for (const group of ['packages', 'benchmarks']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  const dirs = existsSync(join(base, 'package.json'))
    ? [base]
    : readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(base, e.name));
  for (const dir of dirs) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const names = new Set();
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
      for (const name of Object.keys(manifest[field] ?? {})) names.add(name);
    }
    graph.set(manifest.name, [...names]);
  }
}

const cycle = findCycle(graph);
if (cycle) {
  console.error(`Package graph has a cycle: ${cycle.join(' -> ')}. Move the shared code into the lower package.`);
  process.exit(1);
}
console.log(`Package graph: ${graph.size} packages, no cycle.`);
