import { describeValue } from './describe-value.js';

// W3C Trace Context level 1: version-traceid-parentid-flags in lower-case hex. Version ff is
// invalid, and all-zero trace and parent ids are invalid. Versions after 00 may append fields
// after another hyphen, which a version 00 parser should accept and ignore.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);

/**
 * Checks a W3C `traceparent` header value and returns it unchanged.
 *
 * @throws TypeError naming `argument` when the value is not a valid traceparent.
 * @internal
 */
export function checkTraceparent(value: unknown, argument: string): string {
  const match = typeof value === 'string' ? TRACEPARENT.exec(value) : null;
  const valid =
    match !== null &&
    match[1] !== 'ff' &&
    !(match[1] === '00' && match[5] !== undefined) &&
    match[2] !== ZERO_TRACE_ID &&
    match[3] !== ZERO_PARENT_ID;

  if (!valid) {
    throw new TypeError(
      `Invalid ${argument}: expected a W3C traceparent such as ` +
        `"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" (lower-case hex, non-zero ids), ` +
        `received ${describeValue(value)}.`,
    );
  }
  return value as string;
}
