import { afterAll, afterEach } from 'vitest';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

function assertNoUnhandledRejections(): void {
  if (unhandled.length === 0) return;
  const reasons = unhandled.splice(0);
  throw new Error(`Unhandled promise rejection(s) during the test: ${reasons.map((reason) => String(reason)).join('; ')}`);
}

afterEach(assertNoUnhandledRejections);

afterAll(async () => {
  // Node reports unhandled rejections after the microtask queue drains, so give it one turn.
  await new Promise<void>((resolve) => setImmediate(resolve));
  assertNoUnhandledRejections();
});
