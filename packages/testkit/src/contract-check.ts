import { AssertionError } from 'node:assert';

import fc from 'fast-check';

/** Result of one contract check that did not fail: it passed, or it did not apply. */
export type CheckOutcome =
  | { readonly status: 'passed' }
  | { readonly status: 'skipped'; readonly reason: string };

/** Outcome of a check that ran to the end. */
export const passed: CheckOutcome = { status: 'passed' };

/** Outcome of a check that does not apply to the subject, with the reason shown in the test report. */
export function skipped(reason: string): CheckOutcome {
  return { status: 'skipped', reason };
}

/**
 * Throws an `AssertionError` with `message` unless `condition` holds. Checks use it instead of
 * a test runner's `expect`, so they run under any runner and in plain scripts.
 */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new AssertionError({ message });
  }
}

/** Describes a value in a failure message: strings quoted and cut to 40 characters. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}... (${value.length} chars)` : value);
  }
  if (typeof value === 'bigint') return `${String(value)}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** Error classes a contract may demand for bad input. */
export type ErrorClass = typeof TypeError | typeof RangeError;

/**
 * Checks that `error` is an instance of one of `classes` and that its message contains every
 * text in `mentions`. Otherwise it throws an `AssertionError` whose message starts with `call`.
 */
export function checkError(
  error: unknown,
  classes: readonly ErrorClass[],
  mentions: readonly string[],
  call: string,
): void {
  const expected = classes.map((errorClass) => errorClass.name).join(' or ');

  check(
    classes.some((errorClass) => error instanceof errorClass),
    `${call} should fail with ${expected}; it failed with ${describeError(error)}`,
  );

  const message = (error as Error).message;
  for (const text of mentions) {
    check(
      message.includes(text),
      `${call} failed with ${expected} as it should, but its message does not mention ${show(text)}: ${show(message)}`,
    );
  }
}

/** Describes a thrown value by class and message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `a thrown ${typeof error} ${show(error)}`;
}

/**
 * Calls `run`, which should return a promise, and resolves with how it settled. A synchronous
 * throw fails the check, because a caller that awaits would see it as a crash at the call site
 * rather than a rejection.
 */
export async function settle<T>(
  run: () => Promise<T>,
  call: string,
): Promise<{ readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown }> {
  let promise: Promise<T>;
  try {
    promise = run();
  } catch (error) {
    throw new AssertionError({
      message: `${call} threw synchronously (${describeError(error)}); an async method should return a rejected promise`,
    });
  }

  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Runs a fast-check property and, when it fails, throws an `AssertionError` whose message is
 * the failing check's own message followed by the shrunk counterexample, seed and path, so the
 * report shows what went wrong and how to reproduce it.
 */
export async function assertProperty<Ts>(property: fc.IRawProperty<Ts>, parameters: fc.Parameters<Ts>): Promise<void> {
  const details = await fc.check(property, parameters);
  if (!details.failed) return;

  const cause = details.errorInstance;
  const reason = cause instanceof Error ? cause.message : `the property failed (${show(cause)})`;
  const reproduce =
    details.counterexample === null
      ? `after ${details.numRuns} runs (seed ${details.seed})`
      : `Counterexample: ${fc.stringify(details.counterexample)} (seed ${details.seed}, path ${JSON.stringify(details.counterexamplePath)})`;
  throw new AssertionError({ message: `${reason}\n${reproduce}` });
}
