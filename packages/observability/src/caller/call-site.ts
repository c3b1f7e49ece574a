/**
 * Origin of a {@link SourcePosition}. It is `'source-map'` when a source map led back to the
 * original file and `'compiled'` when the position is in the code that ran and no map applied.
 * It is `'unknown'` when there is no file position (native code, eval, a failed capture).
 */
export type SourceOrigin = 'source-map' | 'compiled' | 'unknown';

/**
 * Resolved position of a call site, as an editor or a trace viewer shows it.
 *
 * @example
 * ```ts
 * const position = hop.caller.resolve();
 * // { functionName: 'placeOrder', filePath: '/home/me/shop/src/orders.ts',
 * //   relativePath: 'src/orders.ts', line: 42, column: 10, origin: 'source-map' }
 * ```
 */
export interface SourcePosition {
  /** Name of the calling function as the runtime reports it; undefined for anonymous functions. */
  readonly functionName: string | undefined;

  /** Absolute file system path of the file, never a `file://` URL; undefined when unknown. */
  readonly filePath: string | undefined;

  /**
   * Path relative to the source root with `/` separators, for example `src/orders.ts`, so that
   * hops recorded on different machines compare equal. Undefined when no source root contains
   * the file (see `setSourceRoot`).
   */
  readonly relativePath: string | undefined;

  /** 1-based line number. */
  readonly line: number | undefined;

  /** 1-based column number. */
  readonly column: number | undefined;

  /** Origin of the position: source map, compiled code or unknown. */
  readonly origin: SourceOrigin;
}

/**
 * A call site captured cheaply: the compiled position only. {@link CallSiteInfo.resolve} maps it
 * to the original source on first use and caches the result.
 */
export interface CallSiteInfo {
  /** Name of the calling function as the runtime reports it; undefined for anonymous functions. */
  readonly functionName: string | undefined;

  /** File name or URL as the runtime reports it (ESM modules report `file://` URLs). */
  readonly fileName: string | undefined;

  /** 1-based line in the code that ran, before any source map. */
  readonly line: number | undefined;

  /** 1-based column in the code that ran, before any source map. */
  readonly column: number | undefined;

  /** Returns the original source position, resolved once per call site and cached. Never throws. */
  resolve(): SourcePosition;
}
