/**
 * Submits `count` messages through `submit` and resolves once every returned promise has
 * settled successfully, rejecting with the first failure. Each message's promise gets one
 * reaction, as a caller awaiting its result would add, and no array of promises is built.
 */
export function runAll(count: number, submit: (index: number) => PromiseLike<unknown>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let remaining = count;
    const settled = (): void => {
      remaining -= 1;
      if (remaining === 0) resolve();
    };

    for (let index = 0; index < count; index++) {
      submit(index).then(settled, reject);
    }
  });
}

/**
 * The no-op message handler of the executor benchmarks: an async function, as real handlers
 * are, so each call returns a new promise that every executor and baseline must wait for.
 */
export async function handleNothing(_message?: unknown): Promise<void> {}
