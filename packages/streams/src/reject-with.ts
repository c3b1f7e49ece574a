/**
 * Returns a promise rejected with `reason` as it is. The dispatcher passes on errors raised by
 * handlers, routers and providers, which may be any value, so it must not wrap or replace them.
 */
export function rejectWith(reason: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caught value is passed on unchanged
  return Promise.reject(reason);
}
