import { describeArgument } from '@whizbang/observability';

/**
 * Returns the message of a caught value for use inside another error's message.
 *
 * @internal
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : describeArgument(error);
}
