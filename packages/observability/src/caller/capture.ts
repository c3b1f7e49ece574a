import { describeValue } from '../describe-value.js';
import type { CallSiteInfo } from './call-site.js';
import { beginCapture, CapturedCallSite, CompiledCallSite, endCapture, UNKNOWN_CALL_SITE, type StackHolder } from './stack-capture.js';

/**
 * Captures the position of the code that called `belowFunction` (V8's `constructorOpt`), or of
 * the code that called `captureCallSite` when it is omitted. Frames above `belowFunction` are
 * skipped without cost, so a library passes its public entry point and gets the user's line.
 *
 * Capturing requests one frame from V8 and does not format it: the function name, file, line and
 * column are read from the frame the first time one of them or `resolve()` is read, and the
 * source map the first time `resolve()` is called. Until that first read the call site keeps
 * V8's frame, which references the calling function and its `this` value. No stack text is
 * formatted or parsed. `Error.stackTraceLimit` (during the capture) and
 * `Error.prepareStackTrace` (during the first read) are replaced and restored afterwards,
 * whatever values the application had set. Never throws: when V8's stack API is missing or
 * `belowFunction` is not on the stack, the result resolves to an `'unknown'` position.
 *
 * @example
 * ```ts
 * export function publish(message: unknown): void {
 *   const caller = captureCallSite(publish); // the line that called publish()
 *   queue.push({ message, caller });
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- V8's constructorOpt accepts any function.
export function captureCallSite(belowFunction?: Function): CallSiteInfo {
  const previousLimit = beginCapture();
  if (previousLimit === undefined) return UNKNOWN_CALL_SITE;

  // Error.captureStackTrace is called here, not in a helper, because V8 walks every frame above
  // the captured one and each frame it walks costs about as much as the frame it keeps.
  const holder: StackHolder = {};
  try {
    Error.captureStackTrace(holder, typeof belowFunction === 'function' ? belowFunction : captureCallSite);
  } catch {
    return UNKNOWN_CALL_SITE;
  } finally {
    endCapture(previousLimit);
  }
  return new CapturedCallSite(holder);
}

/** Compiled position given to {@link createCallSite}. */
export interface CompiledPosition {
  /** Name of the function at the position. Default: undefined (anonymous). */
  functionName?: string | undefined;

  /** File path or `file://` URL of the code that ran. */
  fileName?: string | undefined;

  /** 1-based line in the code that ran. */
  line?: number | undefined;

  /** 1-based column in the code that ran. */
  column?: number | undefined;
}

/**
 * Creates a call site from a compiled position obtained elsewhere, for example from another
 * runtime's stack API or a stored record. It resolves like a captured one.
 *
 * @throws TypeError when a field has the wrong type, RangeError when `line` or `column` is not
 *   a positive integer.
 *
 * @example
 * ```ts
 * const site = createCallSite({ fileName: 'file:///app/dist/orders.js', line: 12, column: 5 });
 * site.resolve(); // mapped through dist/orders.js.map when it exists
 * ```
 */
export function createCallSite(position: CompiledPosition): CallSiteInfo {
  if (typeof position !== 'object' || position === null) {
    throw new TypeError(`Invalid position: expected an object with fileName, line and column, received ${describeValue(position)}.`);
  }

  const { functionName, fileName, line, column } = position;
  if (functionName !== undefined && typeof functionName !== 'string') {
    throw new TypeError(`Invalid position.functionName: expected a string or undefined, received ${describeValue(functionName)}.`);
  }
  if (fileName !== undefined && typeof fileName !== 'string') {
    throw new TypeError(`Invalid position.fileName: expected a file path, a file:// URL or undefined, received ${describeValue(fileName)}.`);
  }
  checkPositiveInteger('position.line', line);
  checkPositiveInteger('position.column', column);

  return new CompiledCallSite(functionName, fileName, line, column);
}

function checkPositiveInteger(name: string, value: unknown): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 1)) {
    throw new RangeError(`Invalid ${name}: expected a 1-based integer or undefined, received ${describeValue(value)}.`);
  }
}
