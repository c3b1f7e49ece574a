// Call site classes and the capture steps shared by captureCallSite and recordHop. Internal:
// the package index does not export this module.
import type { CallSiteInfo, SourcePosition } from './call-site.js';
import { resolveCompiledPosition } from './resolve.js';

/**
 * Call site holding only the compiled position. The source map work waits for `resolve()`.
 */
export class CompiledCallSite implements CallSiteInfo {
  readonly functionName: string | undefined;
  readonly fileName: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  #resolved: SourcePosition | undefined;

  constructor(
    functionName: string | undefined,
    fileName: string | undefined,
    line: number | undefined,
    column: number | undefined,
  ) {
    this.functionName = functionName;
    this.fileName = fileName;
    this.line = line;
    this.column = column;
  }

  resolve(): SourcePosition {
    return (this.#resolved ??= resolveCompiledPosition(this.functionName, this.fileName, this.line, this.column));
  }

  toJSON(): SourcePosition {
    return this.resolve();
  }
}

/** Call site of a failed capture: every field undefined, resolving to an `'unknown'` position. */
export const UNKNOWN_CALL_SITE: CallSiteInfo = new CompiledCallSite(undefined, undefined, undefined, undefined);

/**
 * Object that `Error.captureStackTrace` writes a stack to. V8 keeps the captured frame and
 * formats it only when `stack` is first read, calling the `Error.prepareStackTrace` in place at
 * that moment.
 */
export interface StackHolder {
  stack?: unknown;
}

/**
 * Call site whose frame V8 captured but has not formatted yet. Formatting (the function name,
 * file, line and column of the frame) costs about as much as the capture itself, so it waits
 * until a field or `resolve()` is first read. Until then the holder keeps V8's frame, which
 * references the calling function and its receiver; the first read drops it.
 */
export class CapturedCallSite implements CallSiteInfo {
  #holder: StackHolder | undefined;
  #functionName: string | undefined;
  #fileName: string | undefined;
  #line: number | undefined;
  #column: number | undefined;
  #resolved: SourcePosition | undefined;

  constructor(holder: StackHolder) {
    this.#holder = holder;
  }

  get functionName(): string | undefined {
    this.#format();
    return this.#functionName;
  }

  get fileName(): string | undefined {
    this.#format();
    return this.#fileName;
  }

  get line(): number | undefined {
    this.#format();
    return this.#line;
  }

  get column(): number | undefined {
    this.#format();
    return this.#column;
  }

  resolve(): SourcePosition {
    if (this.#resolved === undefined) {
      this.#format();
      this.#resolved = resolveCompiledPosition(this.#functionName, this.#fileName, this.#line, this.#column);
    }
    return this.#resolved;
  }

  toJSON(): SourcePosition {
    return this.resolve();
  }

  #format(): void {
    const holder = this.#holder;
    if (holder === undefined) return;
    this.#holder = undefined;

    const frame = readFirstFrame(holder);
    if (frame === undefined) return;

    try {
      this.#functionName = frame.getFunctionName() ?? undefined;
      this.#fileName = frame.getFileName() ?? undefined;
      this.#line = frame.getLineNumber() ?? undefined;
      this.#column = frame.getColumnNumber() ?? undefined;
    } catch {
      // A frame V8 cannot describe leaves the position unknown, as documented.
    }
  }
}

// Returns V8's structured frames instead of formatting them. A constant, so reading a stack
// creates no closure.
function structuredFrames(_error: Error, frames: NodeJS.CallSite[]): NodeJS.CallSite[] {
  return frames;
}

/**
 * Reads the first frame of a holder filled by `Error.captureStackTrace`, with this module's
 * `Error.prepareStackTrace` in place for the read and the application's put back afterwards.
 * Returns undefined when nothing was captured or the stack cannot be read.
 */
function readFirstFrame(holder: StackHolder): NodeJS.CallSite | undefined {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to be put back, never called here.
  const previousPrepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = structuredFrames;
    const frames = holder.stack;
    return Array.isArray(frames) ? (frames[0] as NodeJS.CallSite | undefined) : undefined;
  } catch {
    return undefined;
  } finally {
    try {
      Error.prepareStackTrace = previousPrepare;
    } catch {
      // Only a frozen or accessor-guarded Error constructor gets here, and then the write in the
      // try block failed too, so the application's value is still in place.
    }
  }
}

/**
 * Sets `Error.stackTraceLimit` to 1 for one capture and returns the application's value, or
 * undefined when the stack API is missing or the limit cannot be written.
 */
export function beginCapture(): number | undefined {
  if (typeof Error.captureStackTrace !== 'function') return undefined;

  const previousLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 1;
    return previousLimit;
  } catch {
    return undefined;
  }
}

/** Puts back the `Error.stackTraceLimit` that {@link beginCapture} returned. */
export function endCapture(previousLimit: number): void {
  try {
    Error.stackTraceLimit = previousLimit;
  } catch {
    // Only an Error constructor frozen after beginCapture gets here, and nothing more can be done.
  }
}
