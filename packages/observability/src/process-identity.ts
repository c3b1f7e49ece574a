import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

import { realPath } from './caller/source-root.js';

/** Environment variable that names the service in hops; it wins over the entry package name. */
export const SERVICE_NAME_ENV = 'WHIZBANG_SERVICE_NAME';

/** Names of this process as hops record them. */
export interface ProcessIdentity {
  /**
   * `WHIZBANG_SERVICE_NAME` when set, else the `name` of the package that contains the entry
   * script (`process.argv[1]`), else `process.title`.
   */
  readonly serviceName: string;

  /** `os.hostname()`. */
  readonly machineName: string;
}

/** Sources of the process's names for {@link createProcessIdentityResolver}, replaced in tests. */
export interface ProcessIdentitySources {
  env(): Readonly<Record<string, string | undefined>>;
  entryScript(): string | undefined;
  title(): string;
  hostname(): string;
  readFile(path: string): string;
}

const nodeSources: ProcessIdentitySources = {
  env: () => process.env,
  entryScript: () => process.argv[1],
  title: () => process.title,
  hostname,
  readFile: (path) => readFileSync(path, 'utf8'),
};

/**
 * Creates a function that works out the process identity on its first call and returns the same
 * frozen object afterwards. Resolution never throws: a missing name falls back as documented on
 * {@link ProcessIdentity}, and `"unknown"` is the last resort.
 *
 * @internal Exposed for tests. Applications use {@link getProcessIdentity}.
 */
export function createProcessIdentityResolver(sources: ProcessIdentitySources = nodeSources): () => ProcessIdentity {
  let identity: ProcessIdentity | undefined;

  return () =>
    (identity ??= Object.freeze({
      serviceName: serviceNameOf(sources),
      machineName: attempt(() => sources.hostname()) || 'unknown',
    }));
}

/**
 * Returns this process's service and machine names, worked out once per process.
 *
 * @example
 * ```ts
 * const { serviceName, machineName } = getProcessIdentity();
 * ```
 */
export const getProcessIdentity: () => ProcessIdentity = createProcessIdentityResolver();

function serviceNameOf(sources: ProcessIdentitySources): string {
  const configured = attempt(() => sources.env()[SERVICE_NAME_ENV]?.trim());
  if (configured) return configured;

  const entry = attempt(() => sources.entryScript());
  const packageName = entry ? attempt(() => packageNameAbove(sources, realPath(entry))) : undefined;
  if (packageName) return packageName;

  return attempt(() => sources.title()) || 'unknown';
}

function packageNameAbove(sources: ProcessIdentitySources, file: string): string | undefined {
  for (let directory = dirname(file); ; directory = dirname(directory)) {
    const text = attempt(() => sources.readFile(join(directory, 'package.json')));
    if (text !== undefined) {
      const name = attempt(() => (JSON.parse(text) as { name?: unknown }).name);
      // The nearest package.json decides, even without a name: a nameless one marks an app
      // folder or a "type": "module" marker, and a parent's name would mislead.
      return typeof name === 'string' && name !== '' ? name : undefined;
    }
    if (dirname(directory) === directory) return undefined;
  }
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
