import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { describeValue } from '../describe-value.js';

/** Environment variable naming the source root, used unless {@link setSourceRoot} set one. */
export const SOURCE_ROOT_ENV = 'WHIZBANG_SOURCE_ROOT';

// Marker entries of a repository root: a Git checkout (.git is a directory, or a file in
// worktrees and submodules) or a pnpm workspace.
const ROOT_MARKERS = ['.git', 'pnpm-workspace.yaml'];

let configuredRoot: string | undefined;
const discoveredRoots = new Map<string, string | undefined>();
const listeners = new Set<() => void>();

/**
 * Sets the directory that `SourcePosition.relativePath` is relative to, overriding the
 * `WHIZBANG_SOURCE_ROOT` environment variable and the search for the nearest directory with a
 * `.git` entry or a `pnpm-workspace.yaml`. Pass undefined to go back to those. Call sites
 * resolved earlier are resolved again on their next `resolve()`.
 *
 * Files outside the root get their relative path from the nearest repository root instead.
 *
 * @throws TypeError when `directory` is neither a string nor undefined.
 *
 * @example
 * ```ts
 * setSourceRoot('/srv/checkout'); // hop.caller.resolve().relativePath === 'src/orders.ts'
 * ```
 */
export function setSourceRoot(directory: string | undefined): void {
  if (directory !== undefined && (typeof directory !== 'string' || directory === '')) {
    throw new TypeError(`Invalid directory: expected a directory path or undefined, received ${describeValue(directory)}.`);
  }

  configuredRoot = directory === undefined ? undefined : realPath(resolve(directory));
  discoveredRoots.clear();
  for (const listener of listeners) listener();
}

/** Calls `listener` whenever the source root changes, so resolution caches can be cleared. */
export function onSourceRootChange(listener: () => void): void {
  listeners.add(listener);
}

/**
 * Returns `filePath` relative to the source root with `/` separators, or undefined when no root
 * contains it. `filePath` must be absolute and, for stable results, a real path.
 */
export function repositoryRelativePath(filePath: string): string | undefined {
  const configured = configuredRoot ?? environmentRoot();
  if (configured !== undefined) {
    const inside = relativeInside(configured, filePath);
    if (inside !== undefined) return inside;
  }

  const discovered = discoverRoot(dirname(filePath));
  return discovered === undefined ? undefined : relativeInside(discovered, filePath);
}

/** Returns the real path of `path`, or `path` itself when it does not exist. */
export function realPath(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

function environmentRoot(): string | undefined {
  const value = process.env[SOURCE_ROOT_ENV];
  return value === undefined || value === '' ? undefined : realPath(resolve(value));
}

function relativeInside(root: string, filePath: string): string | undefined {
  const path = relative(root, filePath);
  if (path === '' || path.startsWith('..') || isAbsolute(path)) return undefined;
  return sep === '/' ? path : path.split(sep).join('/');
}

function discoverRoot(directory: string): string | undefined {
  if (discoveredRoots.has(directory)) return discoveredRoots.get(directory);

  let root: string | undefined;
  if (ROOT_MARKERS.some((marker) => existsSync(join(directory, marker)))) {
    root = directory;
  } else {
    const parent = dirname(directory);
    root = parent === directory ? undefined : discoverRoot(parent);
  }

  discoveredRoots.set(directory, root);
  return root;
}
