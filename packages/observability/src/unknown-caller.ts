import type { CallSiteInfo, SourcePosition } from './caller/call-site.js';

/** Source position of a caller that was not captured: every field undefined, origin `'unknown'`. */
export const UNKNOWN_SOURCE_POSITION: SourcePosition = Object.freeze({
  functionName: undefined,
  filePath: undefined,
  relativePath: undefined,
  line: undefined,
  column: undefined,
  origin: 'unknown',
});

/**
 * Caller of a hop whose call site was not captured, such as a hop recorded with an executor's
 * `captureCallers: false`. Pass it to `recordHop` explicitly, because `recordHop` would
 * otherwise capture a stack of its own, the very cost that turning capture off avoids. Its
 * `resolve()` returns {@link UNKNOWN_SOURCE_POSITION}.
 *
 * @example
 * ```ts
 * envelope.addHop(recordHop(init, captureCallers ? captureCallSite(dispatch) : UNKNOWN_CALLER));
 * ```
 */
export const UNKNOWN_CALLER: CallSiteInfo = Object.freeze({
  functionName: undefined,
  fileName: undefined,
  line: undefined,
  column: undefined,
  resolve: () => UNKNOWN_SOURCE_POSITION,
});
