/**
 * A first-in, first-out queue whose entries can also leave from anywhere in O(1): a doubly
 * linked list through the entries themselves.
 *
 * Why not a Set: the scheduler's queue lives as long as the process, so V8 keeps it in the old
 * generation, and every time a Set's table is rebuilt (it grows, shrinks or sheds deleted
 * entries: every few dozen requests here) V8 allocates the new table there too. A pass of
 * 200,000 requests left tens of megabytes of such tables for the full collector
 * (docs/performance.md, "Memory"). Linked entries are short-lived young objects instead.
 */
export class WaiterQueue<T extends QueueEntry<T>> {
  private head: T | undefined;
  private tail: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(entry: T): void {
    if (entry.queued) {
      throw new Error('An entry is in a queue at most once');
    }
    entry.queued = true;
    entry.previous = this.tail;
    entry.next = undefined;
    if (this.tail) {
      this.tail.next = entry;
    } else {
      this.head = entry;
    }
    this.tail = entry;
    this.count += 1;
  }

  /** The oldest entry, taken out of the queue. */
  shift(): T | undefined {
    const first = this.head;
    if (first) {
      this.remove(first);
    }
    return first;
  }

  /** Takes `entry` out wherever it is; an entry not queued is left alone. */
  remove(entry: T): void {
    if (!entry.queued) {
      return;
    }
    if (entry.previous) {
      entry.previous.next = entry.next;
    } else {
      this.head = entry.next;
    }
    if (entry.next) {
      entry.next.previous = entry.previous;
    } else {
      this.tail = entry.previous;
    }
    entry.queued = false;
    entry.previous = undefined;
    entry.next = undefined;
    this.count -= 1;
  }

  /** Takes out every entry `leaves` accepts, in queue order, and returns them. */
  removeWhere(leaves: (entry: T) => boolean): T[] {
    const removed: T[] = [];
    for (let entry = this.head; entry; ) {
      const next = entry.next;
      if (leaves(entry)) {
        this.remove(entry);
        removed.push(entry);
      }
      entry = next;
    }
    return removed;
  }
}

/** The links a queued entry carries; the queue sets them. */
export interface QueueEntry<T> {
  queued?: boolean;
  previous?: T;
  next?: T;
}
