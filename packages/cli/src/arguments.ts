import { InvalidIdError, parseCorrelationId, parseMessageId, type CorrelationId, type MessageId } from '@whizbang/observability';

import { CliError, ExitCode } from './errors.js';

// ISO 8601: a date, optionally a time to the minute, second or fraction, optionally `Z` or an
// offset. Other text that Date.parse happens to accept ("March 7") is rejected, so a time means
// the same on every machine. Groups: year, month, day, then the time and the offset.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Parses a message id argument.
 *
 * @throws CliError with exit code `USAGE` naming the argument and the expected form.
 */
export function parseMessageIdArgument(text: string, argument = 'messageId'): MessageId {
  return parseId(() => parseMessageId(text.trim()), text, argument);
}

/**
 * Parses a correlation id argument.
 *
 * @throws CliError with exit code `USAGE` naming the argument and the expected form.
 */
export function parseCorrelationIdArgument(text: string, argument = 'correlationId'): CorrelationId {
  return parseId(() => parseCorrelationId(text.trim()), text, argument);
}

function parseId<T>(parse: () => T, text: string, argument: string): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof InvalidIdError)) throw error;
    throw new CliError(
      ExitCode.USAGE,
      `Invalid ${argument} ${JSON.stringify(text)}: expected a UUIDv7 such as 0190163d-8694-739b-aea5-966c26f8ad91, as the example's summary and --json output print them.`,
    );
  }
}

/**
 * Parses an ISO 8601 date or date-time option (`--from`, `--to`) into milliseconds since the
 * Unix epoch. A date alone is midnight UTC, and a date-time without an offset is UTC too (unlike
 * JavaScript's `Date.parse`, which reads it as local time), so a command means the same on
 * every machine.
 *
 * @throws CliError with exit code `USAGE` naming the option and the expected form, also for a
 *   date or time that does not exist (`2026-02-30`, `24:00`), which `Date.parse` would roll over.
 */
export function parseTimeOption(text: string, option: string): number {
  const trimmed = text.trim();
  const parts = ISO_8601.exec(trimmed);
  if (parts === null) {
    throw new CliError(
      ExitCode.USAGE,
      `Invalid ${option} ${JSON.stringify(text)}: expected an ISO 8601 date or date-time such as 2026-01-31 or 2026-01-31T09:30:00Z (UTC without an offset).`,
    );
  }

  // Unmatched optional groups read as 0, which is always in range.
  const [year, month, day, hours, minutes, seconds] = parts.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const hasTime = parts[4] !== undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const validDate = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth;
  const validTime = hours <= 23 && minutes <= 59 && seconds <= 59;
  if (!validDate || !validTime) {
    throw new CliError(
      ExitCode.USAGE,
      `Invalid ${option} ${JSON.stringify(text)}: ${validDate ? 'no such time of day' : 'no such calendar date'}; expected a real date or date-time such as 2026-01-31 or 2026-01-31T09:30:00Z.`,
    );
  }

  // Date.parse reads a date-time without an offset as local time: add `Z` to make it UTC.
  const milliseconds = Date.parse(hasTime && parts[7] === undefined ? `${trimmed}Z` : trimmed);
  if (Number.isNaN(milliseconds)) {
    throw new CliError(ExitCode.USAGE, `Invalid ${option} ${JSON.stringify(text)}: the offset is out of range; expected one from -23:59 to +23:59, or Z.`);
  }
  return milliseconds;
}

/**
 * Parses `--limit`: a whole number of traces, 0 meaning no limit.
 *
 * @throws CliError with exit code `USAGE` when the text is not a whole number from 0 to 2^31 - 1.
 */
export function parseLimitOption(text: string): number | undefined {
  const trimmed = text.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(value >= 0 && value <= 2 ** 31 - 1)) {
    throw new CliError(ExitCode.USAGE, `Invalid --limit ${JSON.stringify(text)}: expected a whole number of traces, or 0 for no limit.`);
  }
  return value === 0 ? undefined : value;
}
