/**
 * The bounded queue of frames waiting for a connection. When it is full, the oldest
 * frame is dropped and handed to `onDrop`: nothing is ever discarded silently.
 */
export class Outbox<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly capacity: number,
    private readonly onDrop: (item: T) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`Outbox capacity must be a non-negative integer; got ${capacity}.`);
    }
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
    while (this.items.length > this.capacity) {
      this.onDrop(this.items.shift() as T);
    }
  }

  /** Removes and returns every queued item, oldest first. */
  drain(): T[] {
    return this.items.splice(0, this.items.length);
  }
}
