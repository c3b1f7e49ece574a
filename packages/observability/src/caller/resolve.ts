import type { SourcePosition } from './call-site.js';
import { findDiskSourceMap, findRuntimeSourceMap, toFilePath, type SourceMapper } from './source-maps.js';
import { onSourceRootChange, realPath, repositoryRelativePath } from './source-root.js';

// Bounds of the caches. Call sites and files are bounded by the code loaded, but code created
// at run time (eval, vm) could grow them without end, so the oldest entries are dropped.
const MAX_CACHED_POSITIONS = 10_000;
const MAX_CACHED_MAPS = 2_000;

// A dist file maps to its source, which may itself be generated. Three steps cover a compiled
// file run by a transforming loader, and the limit also stops a map that maps to itself.
const MAX_MAPPING_STEPS = 3;

// Resolved positions by file, then by line and column. V8 reports the same file name string for
// every frame of a script, so a lookup reuses its cached hash. One key joining file, line and
// column would be a new string to build and hash on every call.
const positionsByFile = new Map<string, Map<number | string, SourcePosition>>();
let cachedPositionCount = 0;

// Lines below 2^20 and columns below 2^32 pack into one exact number; others use a string key.
const PACKED_LINE_LIMIT = 2 ** 20;
const PACKED_COLUMN_LIMIT = 2 ** 32;
const runtimeMaps = new Map<string, SourceMapper | null>();
const diskMaps = new Map<string, SourceMapper | null>();

onSourceRootChange(clearResolvedPositions);

/**
 * Resolves a compiled position to its original source, caching the result per position.
 * Never throws: a failure yields an `'unknown'` position.
 *
 * @internal
 */
export function resolveCompiledPosition(
  functionName: string | undefined,
  fileName: string | undefined,
  line: number | undefined,
  column: number | undefined,
): SourcePosition {
  if (fileName === undefined || fileName === '') return unknownPosition(functionName);

  let byFile = positionsByFile.get(fileName);
  const key = positionKey(line, column);
  const cached = byFile?.get(key);
  // A position is cached with the function name V8 reported there. A different name (a call
  // site built by hand) resolves again, so it never takes another caller's name.
  if (cached !== undefined && cached.functionName === functionName) return cached;

  let position: SourcePosition;
  try {
    position = mapPosition(functionName, fileName, line, column);
  } catch {
    position = unknownPosition(functionName);
  }

  if (cachedPositionCount >= MAX_CACHED_POSITIONS) {
    // Only code made at run time gets here; starting over keeps the bound without bookkeeping.
    positionsByFile.clear();
    cachedPositionCount = 0;
    byFile = undefined;
  }
  if (byFile === undefined) {
    byFile = new Map();
    positionsByFile.set(fileName, byFile);
  }
  if (!byFile.has(key)) cachedPositionCount++;
  byFile.set(key, position);
  return position;
}

function positionKey(line: number | undefined, column: number | undefined): number | string {
  // mapPosition treats a position missing its line or its column as having neither.
  if (line === undefined || column === undefined) return -1;
  if (Number.isInteger(line) && Number.isInteger(column) && line >= 0 && line < PACKED_LINE_LIMIT && column >= 0 && column < PACKED_COLUMN_LIMIT) {
    return line * PACKED_COLUMN_LIMIT + column;
  }
  return `${line}:${column}`;
}

/** Forgets every resolved position and source map, for example after files were rebuilt. */
export function clearResolvedPositions(): void {
  positionsByFile.clear();
  cachedPositionCount = 0;
  runtimeMaps.clear();
  diskMaps.clear();
}

function mapPosition(
  functionName: string | undefined,
  fileName: string,
  line: number | undefined,
  column: number | undefined,
): SourcePosition {
  const compiledPath = toFilePath(fileName);
  if (compiledPath === undefined) return unknownPosition(functionName);
  if (line === undefined || column === undefined) {
    return filePosition(functionName, compiledPath, undefined, undefined, 'compiled');
  }

  // The first step uses the map of the code the runtime executed (a loader's map in memory, or
  // the file's own). Later steps follow maps on disk from one generated file to the next.
  let current = { fileName, line, column };
  let mapped = false;
  for (let step = 0; step < MAX_MAPPING_STEPS; step++) {
    const mapper = step === 0 ? cachedMapper(runtimeMaps, current.fileName, findRuntimeSourceMap) : cachedMapper(diskMaps, current.fileName, findDiskSourceMap);
    const original = mapper?.originalPosition(current.line, current.column);
    if (original === undefined) break;

    current = original;
    mapped = true;
  }

  const path = toFilePath(current.fileName);
  if (path === undefined) return unknownPosition(functionName);
  return filePosition(functionName, path, current.line, current.column, mapped ? 'source-map' : 'compiled');
}

function filePosition(
  functionName: string | undefined,
  path: string,
  line: number | undefined,
  column: number | undefined,
  origin: 'source-map' | 'compiled',
): SourcePosition {
  const filePath = realPath(path);
  return Object.freeze({ functionName, filePath, relativePath: repositoryRelativePath(filePath), line, column, origin });
}

function unknownPosition(functionName: string | undefined): SourcePosition {
  return Object.freeze({
    functionName,
    filePath: undefined,
    relativePath: undefined,
    line: undefined,
    column: undefined,
    origin: 'unknown',
  });
}

function cachedMapper(
  cache: Map<string, SourceMapper | null>,
  fileName: string,
  find: (fileName: string) => SourceMapper | undefined,
): SourceMapper | undefined {
  let mapper = cache.get(fileName);
  if (mapper === undefined) {
    mapper = find(fileName) ?? null;
    remember(cache, fileName, mapper, MAX_CACHED_MAPS);
  }
  return mapper ?? undefined;
}

function remember<T>(cache: Map<string, T>, key: string, value: T, maxSize: number): void {
  if (cache.size >= maxSize) {
    // Maps iterate in insertion order, so the first key is the oldest.
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, value);
}
