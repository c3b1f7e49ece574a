/**
 * Text styles of the human-readable output. Each function wraps its text in ANSI colour codes,
 * or returns it unchanged when colour is off.
 */
export interface Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
}

const plain = (text: string): string => text;

/** Style that leaves text unchanged: for pipes, files and `NO_COLOR`. */
export const PLAIN_STYLE: Style = Object.freeze({
  bold: plain,
  dim: plain,
  red: plain,
  green: plain,
  yellow: plain,
  cyan: plain,
});

// SGR codes: each style switches one attribute on and its own reset code off again, so styles
// nest without resetting each other.
const wrap =
  (on: number, off: number) =>
  (text: string): string =>
    `\u001b[${on}m${text}\u001b[${off}m`;

/** Style with ANSI colours, for a terminal. */
export const COLOUR_STYLE: Style = Object.freeze({
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
});

/**
 * Decides whether to colour the output: only when stdout is a terminal and the `NO_COLOR`
 * variable is unset or empty (the convention of no-color.org).
 *
 * @example
 * ```ts
 * const style = useColour(process.stdout.isTTY, process.env) ? COLOUR_STYLE : PLAIN_STYLE;
 * ```
 */
export function useColour(isTerminal: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  const noColour = env['NO_COLOR'];
  return isTerminal === true && (noColour === undefined || noColour === '');
}
