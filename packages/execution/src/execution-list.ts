import type { Execution } from './execution.js';

/**
 * Intrusive doubly linked list of executions: the links live on the `Execution` itself, so
 * appending, removing (for example on abort) and taking the head cost O(1) and allocate nothing.
 * An execution is in at most one list at a time.
 */
export class ExecutionList {
  head: Execution | undefined = undefined;
  tail: Execution | undefined = undefined;
  length = 0;

  /** Appends `execution` at the tail. */
  append(execution: Execution): void {
    execution.prev = this.tail;
    execution.next = undefined;

    if (this.tail === undefined) {
      this.head = execution;
    } else {
      this.tail.next = execution;
    }

    this.tail = execution;
    this.length++;
  }

  /** Unlinks `execution`, which must be in this list. */
  remove(execution: Execution): void {
    const { prev, next } = execution;

    if (prev === undefined) {
      this.head = next;
    } else {
      prev.next = next;
    }

    if (next === undefined) {
      this.tail = prev;
    } else {
      next.prev = prev;
    }

    execution.prev = undefined;
    execution.next = undefined;
    this.length--;
  }

  /** Removes and returns the head, or returns undefined when the list is empty. */
  shift(): Execution | undefined {
    const head = this.head;

    if (head !== undefined) {
      this.remove(head);
    }

    return head;
  }

  /** Returns the executions in list order, as a new array. */
  toArray(): Execution[] {
    const items: Execution[] = [];

    for (let node = this.head; node !== undefined; node = node.next) {
      items.push(node);
    }

    return items;
  }
}
