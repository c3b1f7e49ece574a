import { describe, expect, it } from 'vitest';

import { PostgresConnectionError, PostgresSequenceProvider, redactConnectionString } from '../src/index.js';

describe('redactConnectionString', () => {
  it.each([
    ['postgres://app:s3cr3t@127.0.0.1:5432/orders', 'postgres://app:***@127.0.0.1:5432/orders'],
    ['postgresql://app:p%40ss@db/orders?sslmode=require', 'postgresql://app:***@db/orders?sslmode=require'],
    ['postgres://app@db/orders?password=s3cr3t', 'postgres://app@db/orders?password=***'],
    ['postgres://app@db/orders', 'postgres://app@db/orders'],
    ["host=db user=app password=s3cr3t dbname=orders", 'host=db user=app password=*** dbname=orders'],
    ["host=db password='s3 cr\\'3t' dbname=orders", 'host=db password=*** dbname=orders'],
    ['postgres://app:s3cr3t@[bad', '[connection string hidden]'],
  ])('redacts %s', (input, expected) => {
    expect(redactConnectionString(input)).toBe(expected);
  });
});

describe('connection errors', () => {
  it('never show the password', async () => {
    // Port 1 on the loopback address is closed, so the connection is refused at once.
    const provider = new PostgresSequenceProvider({
      connectionString: 'postgres://app:hunter2-secret@127.0.0.1:1/orders',
      connectionTimeoutMillis: 2_000,
    });

    const error = await provider.getNext('order-1').then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    await provider.close();

    expect(error).toBeInstanceOf(PostgresConnectionError);
    const connectionError = error as PostgresConnectionError;
    expect(connectionError.message).toContain('postgres://app:***@127.0.0.1:1/orders');
    expect(connectionError.endpoint).toBe('postgres://app:***@127.0.0.1:1/orders');
    const everything = JSON.stringify({
      message: connectionError.message,
      stack: connectionError.stack,
      cause: String(connectionError.cause),
      causeStack: (connectionError.cause as Error | undefined)?.stack,
      own: { ...connectionError },
    });
    expect(everything).not.toContain('hunter2');
  });
});
