import { describeValue } from '../describe-value.js';
import type { CallSiteInfo, SourceOrigin, SourcePosition } from './call-site.js';

const ORIGINS: ReadonlySet<unknown> = new Set<SourceOrigin>(['source-map', 'compiled', 'unknown']);

/**
 * Creates a call site from a position that was resolved earlier, for example one read back from
 * a stored trace. Its `resolve()` returns that position unchanged; its compiled fields repeat
 * the resolved ones, since the compiled position was not stored.
 *
 * @throws TypeError naming the first field with a wrong type.
 *
 * @example
 * ```ts
 * const caller = callSiteFromPosition(JSON.parse(row.caller));
 * caller.resolve().relativePath; // 'src/orders.ts'
 * ```
 */
export function callSiteFromPosition(position: SourcePosition): CallSiteInfo {
  if (typeof position !== 'object' || position === null) {
    throw new TypeError(`Invalid position: expected a resolved source position object, received ${describeValue(position)}.`);
  }

  const stored: SourcePosition = Object.freeze({
    functionName: optional(position.functionName, 'string', 'position.functionName'),
    filePath: optional(position.filePath, 'string', 'position.filePath'),
    relativePath: optional(position.relativePath, 'string', 'position.relativePath'),
    line: optional(position.line, 'number', 'position.line'),
    column: optional(position.column, 'number', 'position.column'),
    origin: originOf(position.origin),
  });

  return Object.freeze({
    functionName: stored.functionName,
    fileName: stored.filePath,
    line: stored.line,
    column: stored.column,
    resolve: () => stored,
    toJSON: () => stored,
  });
}

function optional<T extends 'string' | 'number'>(
  value: unknown,
  type: T,
  name: string,
): (T extends 'string' ? string : number) | undefined {
  // JSON has no undefined, so a stored trace may hold null for a missing field.
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) {
    throw new TypeError(`Invalid ${name}: expected a ${type}, null or undefined, received ${describeValue(value)}.`);
  }
  return value as T extends 'string' ? string : number;
}

function originOf(value: unknown): SourceOrigin {
  if (!ORIGINS.has(value)) {
    throw new TypeError(`Invalid position.origin: expected 'source-map', 'compiled' or 'unknown', received ${describeValue(value)}.`);
  }
  return value as SourceOrigin;
}
