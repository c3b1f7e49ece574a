/** Does nothing; marks a promise's rejection as handled where another path reports it. */
export function noop(): void {}

/**
 * Returns a promise rejected with `reason` unchanged. An abort signal's reason and a handler's
 * error may be any value, and callers must see exactly that value.
 */
export function rejectWith(reason: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return Promise.reject(reason);
}

/** A promise with its settle functions, for lifecycle operations (not the per-message path). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;
  settled: boolean;
}

/** Creates a {@link Deferred}. */
export function createDeferred<T>(): Deferred<T> {
  let resolvePromise!: (value: T) => void;
  let rejectPromise!: (reason: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    resolvePromise = resolve;
    rejectPromise = reject;
  });

  const deferred: Deferred<T> = {
    promise,
    settled: false,
    resolve: (value) => {
      deferred.settled = true;
      resolvePromise(value);
    },
    reject: (reason) => {
      deferred.settled = true;
      rejectPromise(reason);
    },
  };

  return deferred;
}

/**
 * Returns a promise that settles like `promise`, or rejects with `signal.reason` when `signal`
 * aborts first. The abort listener is removed as soon as either happens.
 */
export function raceWithSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    return rejectWith(signal.reason);
  }

  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };

    signal.addEventListener('abort', onAbort, { once: true });

    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed through unchanged
        reject(error);
      },
    );
  });
}
