import type { TraceCallSite } from '@whizbang/observability';

/**
 * Formats where a hop was recorded as `path:line:column`, preferring the path relative to the
 * source root (it is the same on every machine), with the function name in brackets when known.
 * Returns `"unknown position"` when no position was captured, and marks a position in built
 * JavaScript with `"(compiled)"`, because no source map led back to the original file.
 *
 * @example
 * ```ts
 * formatCallSite(hop.caller); // "packages/shop/src/orders.ts:42:7 (placeOrder)"
 * ```
 */
export function formatCallSite(caller: TraceCallSite): string {
  const path = caller.relativePath ?? caller.filePath;
  if (caller.origin === 'unknown' || path === null || caller.line === null) return 'unknown position';

  let text = `${path}:${caller.line}`;
  if (caller.column !== null) text += `:${caller.column}`;
  if (caller.functionName !== null) text += ` (${caller.functionName})`;
  if (caller.origin === 'compiled') text += ' (compiled)';
  return text;
}
