/**
 * The one timer of an executor. Handler deadlines and periodic metrics snapshots share it, so a
 * message never creates a timer of its own. `schedule(at)` arms the timer only when `at` is
 * earlier than the time it is already armed for, and `onFire` schedules the next firing it needs.
 *
 * Times are `performance.now()` values in milliseconds (monotonic, so wall-clock jumps do not
 * fire deadlines early or late).
 */
export class SharedTimer {
  private handle: ReturnType<typeof setTimeout> | undefined = undefined;
  private armedFor = Infinity;
  private keepsAlive = false;

  /** @param onFire Called with the current time when the timer fires, disarmed. */
  constructor(private readonly onFire: (now: number) => void) {}

  /**
   * Makes sure the timer fires no later than `at`. With `keepAlive` the armed timer keeps the
   * process running, because a pending deadline must fire. Without it the timer is unref'd,
   * because periodic metrics alone must not hold a process open.
   */
  schedule(at: number, keepAlive: boolean): void {
    if (at >= this.armedFor) {
      if (keepAlive && !this.keepsAlive && this.handle !== undefined) {
        this.handle.ref();
        this.keepsAlive = true;
      }

      return;
    }

    this.clear();

    // Rounded up because Node's timers have millisecond granularity: firing a fraction of a
    // millisecond early would only cost a second firing.
    const delay = Math.max(0, Math.ceil(at - performance.now()));

    this.armedFor = at;
    this.keepsAlive = keepAlive;
    this.handle = setTimeout(this.fire, delay);

    if (!keepAlive) {
      this.handle.unref();
    }
  }

  /** Lets the process exit even while the timer is armed (nothing due needs it any more). */
  release(): void {
    if (this.keepsAlive && this.handle !== undefined) {
      this.handle.unref();
      this.keepsAlive = false;
    }
  }

  /** Disarms the timer. */
  clear(): void {
    if (this.handle !== undefined) {
      clearTimeout(this.handle);
      this.handle = undefined;
    }

    this.armedFor = Infinity;
    this.keepsAlive = false;
  }

  private readonly fire = (): void => {
    this.handle = undefined;
    this.armedFor = Infinity;
    this.keepsAlive = false;

    this.onFire(performance.now());
  };
}
