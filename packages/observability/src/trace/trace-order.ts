/**
 * Compares two traces by `timestamp`, then by `messageId`: the order in which trace stores return
 * correlation and time-range queries. Message ids are canonical lower-case UUIDv7 text, so
 * comparing them as strings gives the same order as a database comparing them as text or as UUIDs.
 *
 * @example
 * ```ts
 * traces.sort(compareTracesByTime);
 * ```
 */
export function compareTracesByTime(
  a: { readonly timestamp: number; readonly messageId: string },
  b: { readonly timestamp: number; readonly messageId: string },
): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  if (a.messageId === b.messageId) return 0;
  return a.messageId < b.messageId ? -1 : 1;
}
