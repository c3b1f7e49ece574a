/**
 * Replaces the password of a PostgreSQL connection string with `***`, so the string can appear in
 * error messages and logs. Handles URLs (`postgres://user:secret@host/db`, also with
 * `?password=secret`) and key/value strings (`host=... password=secret`).
 *
 * A string that cannot be parsed is replaced by `[connection string hidden]` as a whole, because
 * there is no safe way to find its password.
 *
 * @example
 * ```ts
 * redactConnectionString('postgres://app:secret@127.0.0.1:5432/orders');
 * // 'postgres://app:***@127.0.0.1:5432/orders'
 * ```
 */
export function redactConnectionString(connectionString: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(connectionString)) {
    try {
      const url = new URL(connectionString);
      if (url.password !== '') url.password = '***';
      if (url.searchParams.has('password')) url.searchParams.set('password', '***');
      return url.toString();
    } catch {
      return '[connection string hidden]';
    }
  }

  // Key/value form: password=secret or password='sec ret' (libpq quoting with backslash escapes).
  return connectionString.replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
}

/**
 * Describes where a pool connects, without its password: the redacted connection string when one
 * was given, otherwise `postgres://user@host:port/database` built from the separate fields.
 */
export function describeEndpoint(config: {
  readonly connectionString?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly user?: string | undefined;
  readonly database?: string | undefined;
}): string {
  if (config.connectionString !== undefined) return redactConnectionString(config.connectionString);

  const user = config.user === undefined ? '' : `${encodeURIComponent(config.user)}@`;
  const host = config.host ?? process.env['PGHOST'] ?? 'localhost';
  const port = config.port ?? 5432;
  const database = config.database ?? '';
  return `postgres://${user}${host}:${port}/${database}`;
}
