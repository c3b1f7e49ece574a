import type { MessageTrace } from '@whizbang/observability';

import { PLAIN_STYLE, type Style } from '../style.js';
import { formatCallSite } from './call-site.js';
import { formatDuration, formatMatchedPolicy, formatOutcome, formatRouting } from './routing.js';

/** Options of {@link formatCausalChain}. */
export interface CausalChainFormatOptions {
  /** Message to mark with `◀`, usually the one the chain was requested for. Default: none. */
  readonly highlight?: string;

  /** Colours; default {@link PLAIN_STYLE}. */
  readonly style?: Style;
}

interface TreeNode {
  readonly trace: MessageTrace;
  readonly children: TreeNode[];
}

/**
 * Draws a causal chain (as `TraceStore.getCausalChain` returns it) as a tree of causes and
 * effects. Each node shows the message type and id, topic, stream, sequence number, partition
 * and outcome. The lines under it show the policy that matched, then each hop's strategy,
 * duration and the `file:line` that recorded it. Children follow the order of `chain`. A trace whose cause is not
 * in `chain` starts a tree of its own. Returns the lines joined with `\n`, without a final newline.
 *
 * @example
 * ```ts
 * console.log(formatCausalChain(await store.getCausalChain(id), { highlight: id }));
 * // PlaceOrder 0190…  orders/order-42 #1 p2  succeeded
 * // │  policy orders: …
 * // │  hop 0: serial, 0.4 ms, at src/main.ts:88:11 (dispatchAll)
 * // └─ StockReserved 0190…  orders/order-42 #2 p2  succeeded
 * ```
 */
export function formatCausalChain(chain: readonly MessageTrace[], options: CausalChainFormatOptions = {}): string {
  const style = options.style ?? PLAIN_STYLE;
  const roots = buildForest(chain);
  const lines: string[] = [];

  // An explicit stack instead of recursion: a chain can be deeper than the call stack allows.
  const stack: { node: TreeNode; prefix: string; branch: string; last: boolean }[] = [];
  for (let index = roots.length - 1; index >= 0; index--) {
    stack.push({ node: roots[index] as TreeNode, prefix: '', branch: '', last: true });
  }

  while (stack.length > 0) {
    const { node, prefix, branch, last } = stack.pop() as (typeof stack)[number];
    const trace = node.trace;
    const marker = trace.messageId === options.highlight ? style.yellow('  ◀') : '';
    lines.push(`${prefix}${branch}${style.bold(trace.messageType)} ${style.dim(trace.messageId)}  ${style.cyan(formatRouting(trace))}  ${formatOutcome(trace.outcome, style)}${marker}`);

    // Detail lines continue the branch line of this node when it has children below.
    const childPrefix = branch === '' ? prefix : prefix + (last ? '   ' : '│  ');
    const detailPrefix = childPrefix + (node.children.length > 0 ? '│  ' : '   ');
    lines.push(`${detailPrefix}${formatMatchedPolicy(trace.decisions, style)}`);
    for (const hop of trace.hops) {
      lines.push(`${detailPrefix}hop ${hop.sequence}: ${hop.executionStrategy}, ${formatDuration(hop.durationMs)}, at ${formatCallSite(hop.caller)}`);
    }
    if (trace.hops.length === 0) lines.push(`${detailPrefix}${style.dim('no hops recorded')}`);

    for (let index = node.children.length - 1; index >= 0; index--) {
      const isLast = index === node.children.length - 1;
      stack.push({ node: node.children[index] as TreeNode, prefix: childPrefix, branch: isLast ? '└─ ' : '├─ ', last: isLast });
    }
  }

  return lines.join('\n');
}

function buildForest(chain: readonly MessageTrace[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const trace of chain) {
    if (!nodes.has(trace.messageId)) nodes.set(trace.messageId, { trace, children: [] });
  }

  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.trace.causationId === null ? undefined : nodes.get(node.trace.causationId);
    // A trace that names itself as its cause becomes a root instead of its own child.
    if (parent === undefined || parent === node) roots.push(node);
    else parent.children.push(node);
  }

  // Stored causation ids can form a cycle, and no root reaches its members. The first of them
  // in chain order therefore becomes a root, and the edge into it is dropped.
  const reachable = new Set<TreeNode>();
  const mark = (start: TreeNode): void => {
    const pending = [start];
    while (pending.length > 0) {
      const node = pending.pop() as TreeNode;
      if (reachable.has(node)) continue;
      reachable.add(node);
      pending.push(...node.children);
    }
  };
  for (const root of roots) mark(root);
  for (const node of nodes.values()) {
    if (reachable.has(node)) continue;
    for (const other of nodes.values()) {
      const index = other.children.indexOf(node);
      if (index !== -1) other.children.splice(index, 1);
    }
    roots.push(node);
    mark(node);
  }

  // Trees follow the chain's order, whichever way their roots were found.
  const position = new Map([...nodes.values()].map((node, index) => [node, index]));
  return roots.sort((a, b) => (position.get(a) as number) - (position.get(b) as number));
}
