import type { Execution } from './execution.js';

/** Membership of one execution in a {@link CallerSignalGroup}. */
export class CallerSignalLink {
  prev: CallerSignalLink | undefined = undefined;
  next: CallerSignalLink | undefined = undefined;

  constructor(
    readonly execution: Execution,
    readonly group: CallerSignalGroup,
  ) {}
}

/**
 * Executions that share one caller `AbortSignal`, with the single abort listener registered for
 * all of them. The group is the listener object itself (`handleEvent`), so registering it
 * allocates no closure.
 */
export class CallerSignalGroup {
  head: CallerSignalLink | undefined = undefined;
  size = 0;

  constructor(
    readonly signal: AbortSignal,
    private readonly owner: CallerSignals,
  ) {}

  /** Called by the signal when it aborts. */
  handleEvent(): void {
    this.owner.onGroupAborted(this);
  }
}

/**
 * Registers at most one abort listener per distinct caller signal and executor, however many of
 * that executor's calls share the signal, and removes it as soon as none of them is pending. So a
 * long-lived signal reused for many calls never accumulates listeners, and the caller's
 * max-listener limit never needs raising.
 */
export class CallerSignals {
  private readonly groups = new Map<AbortSignal, CallerSignalGroup>();

  /** @param onAbort Called for each pending execution when its caller signal aborts. */
  constructor(private readonly onAbort: (execution: Execution, reason: unknown) => void) {}

  /** Links `execution` to `signal`, registering the listener if it is the signal's first. */
  link(execution: Execution, signal: AbortSignal): void {
    let group = this.groups.get(signal);

    if (group === undefined) {
      group = new CallerSignalGroup(signal, this);
      this.groups.set(signal, group);
      signal.addEventListener('abort', group);
    }

    const link = new CallerSignalLink(execution, group);
    link.next = group.head;

    if (group.head !== undefined) {
      group.head.prev = link;
    }

    group.head = link;
    group.size++;
    execution.signalLink = link;
  }

  /** Unlinks `execution`, removing the listener when it was the signal's last execution. */
  unlink(execution: Execution): void {
    const link = execution.signalLink;

    if (link === undefined) {
      return;
    }

    const group = link.group;

    if (link.prev === undefined) {
      group.head = link.next;
    } else {
      link.prev.next = link.next;
    }

    if (link.next !== undefined) {
      link.next.prev = link.prev;
    }

    execution.signalLink = undefined;
    group.size--;

    if (group.size === 0) {
      group.signal.removeEventListener('abort', group);
      this.groups.delete(group.signal);
    }
  }

  /** Unlinks every execution of `group` and passes each to `onAbort`. */
  onGroupAborted(group: CallerSignalGroup): void {
    const reason: unknown = group.signal.reason;

    // onAbort may start other executions linked to other signals, but never links one to this
    // aborted signal (execute rejects an aborted signal at admission), so taking the head until
    // the group is empty visits every member exactly once.
    for (let link = group.head; link !== undefined; link = group.head) {
      const execution = link.execution;
      this.unlink(execution);
      this.onAbort(execution, reason);
    }
  }
}
