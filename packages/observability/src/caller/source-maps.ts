import { readFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  AnyMap,
  GREATEST_LOWER_BOUND,
  LEAST_UPPER_BOUND,
  originalPositionFor,
  type SectionedSourceMapInput,
  type TraceMap,
} from '@jridgewell/trace-mapping';

import { describeValue } from '../describe-value.js';

/** A 1-based line and column in a named file or URL. */
export interface MappedPosition {
  readonly fileName: string;
  readonly line: number;
  readonly column: number;
}

/** Maps positions in one generated file to the original source. */
export interface SourceMapper {
  /** Returns the original position of a 1-based `line` and `column`, or undefined when unmapped. */
  originalPosition(line: number, column: number): MappedPosition | undefined;
}

/**
 * A source map a {@link SourceMapProvider} found: the map (an object or JSON text, sectioned
 * maps included) and the URL its relative `sources` are resolved against. Default `url`: the
 * generated file itself, which is right for inline maps.
 */
export interface ProvidedSourceMap {
  readonly map: SectionedSourceMapInput;
  readonly url?: string;
}

/**
 * Returns the source map of the code a loader ran for `fileName` (a path or a `file://` URL,
 * as V8 reports it), or undefined when it has none. Register one with
 * {@link registerSourceMapProvider} for loaders whose maps live only in memory.
 */
export type SourceMapProvider = (fileName: string) => ProvidedSourceMap | undefined;

const providers: SourceMapProvider[] = [];

/**
 * Registers a provider asked first, before the built-in lookups, for the source map of the code
 * that ran. Returns a function that unregisters it. A provider that throws counts as "no map".
 *
 * @throws TypeError when `provider` is not a function.
 *
 * @example
 * ```ts
 * const unregister = registerSourceMapProvider((fileName) => myLoader.mapFor(fileName));
 * ```
 */
export function registerSourceMapProvider(provider: SourceMapProvider): () => void {
  if (typeof provider !== 'function') {
    throw new TypeError(`Invalid provider: expected a function (fileName) => map or undefined, received ${describeValue(provider)}.`);
  }
  providers.push(provider);

  return () => {
    const index = providers.indexOf(provider);
    if (index >= 0) providers.splice(index, 1);
  };
}

/**
 * Finds the map of the code the runtime executed for `fileName`: registered providers, then
 * Node's source map cache (filled under `--enable-source-maps` and by tsx), then Vitest's module
 * runner, then a `sourceMappingURL` comment in the file on disk.
 */
export function findRuntimeSourceMap(fileName: string): SourceMapper | undefined {
  for (const provider of providers) {
    const mapper = fromProvided(fileName, safely(() => provider(fileName)));
    if (mapper !== undefined) return mapper;
  }

  return fromNodeCache(fileName) ?? fromProvided(fileName, safely(() => fromVitestRunner(fileName))) ?? findDiskSourceMap(fileName);
}

/**
 * Finds the map named by a `//# sourceMappingURL=` comment in the file on disk: a data: URL or a
 * path relative to the file. Used for every step after the first, because loader maps describe
 * only the code they executed.
 */
export function findDiskSourceMap(fileName: string): SourceMapper | undefined {
  const path = toFilePath(fileName);
  if (path === undefined) return undefined;

  const code = safely(() => readFileSync(path, 'utf8'));
  if (code === undefined) return undefined;

  const url = lastSourceMappingUrl(code);
  if (url === undefined) return undefined;

  const fileUrl = pathToFileURL(path).href;
  if (url.startsWith('data:')) {
    const text = decodeDataUrl(url);
    return text === undefined ? undefined : fromProvided(fileName, { map: text, url: fileUrl });
  }

  const mapUrl = safely(() => new URL(url, fileUrl));
  if (mapUrl?.protocol !== 'file:') return undefined;
  const text = safely(() => readFileSync(mapUrl, 'utf8'));
  return text === undefined ? undefined : fromProvided(fileName, { map: text, url: mapUrl.href });
}

/** Converts a `file://` URL or an absolute path to a path; returns undefined for anything else. */
export function toFilePath(fileName: string): string | undefined {
  if (fileName.startsWith('file:')) return safely(() => fileURLToPath(fileName));

  // POSIX absolute paths and Windows drive or UNC paths; `node:` and `data:` names are not files.
  if (fileName.startsWith('/') || /^[A-Za-z]:[\\/]/.test(fileName) || fileName.startsWith('\\\\')) return fileName;
  return undefined;
}

function fromProvided(fileName: string, provided: ProvidedSourceMap | undefined): SourceMapper | undefined {
  if (provided === undefined || provided === null) return undefined;

  const baseUrl = provided.url ?? fileUrlOf(fileName);
  const map = safely(() => new AnyMap(provided.map, baseUrl));
  return map === undefined ? undefined : traceMapper(map);
}

function traceMapper(map: TraceMap): SourceMapper {
  return {
    originalPosition(line, column) {
      // V8 columns are 1-based and source map columns 0-based. The segment that starts at or
      // before the column covers it. When the column precedes the line's first segment, the
      // next segment is the best guess.
      const needle = { line, column: column - 1 };
      let found = originalPositionFor(map, { ...needle, bias: GREATEST_LOWER_BOUND });
      if (found.source === null) found = originalPositionFor(map, { ...needle, bias: LEAST_UPPER_BOUND });
      if (found.source === null) return undefined;

      return { fileName: found.source, line: found.line, column: found.column + 1 };
    },
  };
}

// Node 20's SourceMap#findEntry takes and returns 0-based lines and columns, and returns an
// empty object when nothing maps. Its originalSource is already resolved to an absolute URL.
interface NodeSourceMapEntry {
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
}

function fromNodeCache(fileName: string): SourceMapper | undefined {
  const nodeMap = safely(() => findSourceMap(fileName));
  if (nodeMap === undefined) return undefined;

  return {
    originalPosition(line, column) {
      const entry = nodeMap.findEntry(line - 1, column - 1) as NodeSourceMapEntry;
      if (typeof entry.originalSource !== 'string' || entry.originalLine === undefined || entry.originalColumn === undefined) {
        return undefined;
      }
      return { fileName: entry.originalSource, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
    },
  };
}

// Vitest runs test files and the sources they import through Vite's module runner, which
// evaluates transformed code with node:vm, so those maps never reach Node's cache. The runner
// keeps them in the worker state that Vitest (checked with 4.1) stores on globalThis.
// NOTE: this reads a Vitest internal; if it changes, positions inside Vitest-transformed files
// resolve with origin 'compiled' and transformed line numbers.
interface VitestWorkerState {
  evaluatedModules?: { getModuleSourceMapById?(id: string): { map?: unknown } | null | undefined };
}

function fromVitestRunner(fileName: string): ProvidedSourceMap | undefined {
  const modules = (globalThis as { __vitest_worker__?: VitestWorkerState }).__vitest_worker__?.evaluatedModules;
  if (typeof modules?.getModuleSourceMapById !== 'function') return undefined;

  const path = toFilePath(fileName);
  if (path === undefined) return undefined;
  const decoded = modules.getModuleSourceMapById(path);
  if (typeof decoded?.map !== 'object' || decoded.map === null) return undefined;

  return { map: decoded.map as SectionedSourceMapInput, url: pathToFileURL(path).href };
}

function lastSourceMappingUrl(code: string): string | undefined {
  // The comment is usually on the last line; search backwards so a string literal that merely
  // contains the phrase earlier in the file is skipped.
  let index = code.length;
  for (;;) {
    index = code.lastIndexOf('sourceMappingURL=', index - 1);
    if (index < 4) return undefined;

    const prefix = code.slice(index - 4, index);
    if (prefix === '//# ' || prefix === '//@ ') {
      const start = index + 'sourceMappingURL='.length;
      const match = /^[^\s'"]+/.exec(code.slice(start, start + 100_000_000));
      return match?.[0];
    }
    if (index === 0) return undefined;
  }
}

function decodeDataUrl(url: string): string | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;

  const header = url.slice(5, comma);
  const data = url.slice(comma + 1);
  return safely(() =>
    header.endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data),
  );
}

function fileUrlOf(fileName: string): string {
  if (fileName.startsWith('file:')) return fileName;
  const path = toFilePath(fileName);
  return path === undefined ? fileName : pathToFileURL(path).href;
}

function safely<T>(operation: () => T): T | undefined {
  try {
    return operation() ?? undefined;
  } catch {
    return undefined;
  }
}
