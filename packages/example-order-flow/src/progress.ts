import type { OrderFlowProgress } from './run.js';

const BAR_WIDTH = 30;

/**
 * Renders one progress line, such as
 * `[###############---------------]  50%  5,000/10,000 orders  35,012 messages handled`.
 */
export function formatProgress(progress: OrderFlowProgress): string {
  const fraction = progress.total === 0 ? 1 : progress.dispatched / progress.total;
  const filled = Math.round(fraction * BAR_WIDTH);
  const format = new Intl.NumberFormat('en-US');
  return (
    `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ` +
    `${format.format(progress.dispatched)}/${format.format(progress.total)} orders  ${format.format(progress.handled)} messages handled`
  );
}

/** A progress line redrawn in place on a terminal; `clear()` erases it. */
export interface ProgressBar {
  update(progress: OrderFlowProgress): void;
  clear(): void;
}

/**
 * Creates a progress bar on `output`, or one that draws nothing when `output` is not a terminal
 * (a pipe or file would collect every redraw).
 */
export function createProgressBar(output: { isTTY?: boolean; write(text: string): unknown }): ProgressBar {
  if (output.isTTY !== true) return { update: () => undefined, clear: () => undefined };

  let drawn = false;
  return {
    update: (progress) => {
      // \r returns to the line start and \x1b[K erases the rest of the previous line.
      output.write(`\r${formatProgress(progress)}\u001b[K`);
      drawn = true;
    },
    clear: () => {
      if (drawn) output.write('\r\u001b[K');
      drawn = false;
    },
  };
}
