import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Imported first by the runner, before mitata: mitata looks for `globalThis.gc` when it loads,
// and without one it forces collections by allocating a 1 GiB array. `--expose-gc` on the
// command line makes this a no-op; otherwise the flag is set now and a context created after
// it carries a `gc` function.
if (typeof globalThis.gc !== 'function') {
  setFlagsFromString('--expose-gc');
  globalThis.gc = runInNewContext('gc') as typeof globalThis.gc;
}

/** Runs a full garbage collection. */
export function collectGarbage(): void {
  (globalThis.gc as () => void)();
}
