/**
 * Replaces the password of a Redis URL (`redis://user:secret@host:6379/0`, also `rediss://`) with
 * `***`, so the URL can appear in error messages and logs. A string that cannot be parsed is
 * replaced by `[Redis URL hidden]` as a whole.
 *
 * @example
 * ```ts
 * redactRedisUrl('redis://:secret@127.0.0.1:6379/0'); // 'redis://:***@127.0.0.1:6379/0'
 * ```
 */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return '[Redis URL hidden]';
  }
}
