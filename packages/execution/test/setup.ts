import { afterAll, afterEach } from 'vitest';

// Captured at load time, before any test installs fake timers, so the check below always waits
// for a real turn of the event loop.
const realSetImmediate = globalThis.setImmediate;
const unhandled: unknown[] = [];

process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

async function assertNoUnhandledRejection(): Promise<void> {
  // Node reports an unhandled rejection after the microtask queue drains, so let one turn of
  // the event loop pass before looking.
  await new Promise<void>((resolve) => realSetImmediate(resolve));

  if (unhandled.length > 0) {
    const reasons = unhandled.splice(0).map((reason) => (reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)));
    throw new Error(`Unhandled promise rejection(s) during this test: ${reasons.join('; ')}`);
  }
}

afterEach(assertNoUnhandledRejection);
afterAll(assertNoUnhandledRejection);
