/**
 * Entries ordered by the time they fall due (a binary min-heap), earliest first; entries due at the
 * same time come out in the order they went in.
 */
export class TimeHeap<T> {
  private readonly entries: Array<{ at: number; order: number; value: T }> = [];
  private order = 0;

  get size(): number {
    return this.entries.length;
  }

  push(at: number, value: T): void {
    const entries = this.entries;
    entries.push({ at, order: this.order++, value });
    let i = entries.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      [entries[i], entries[parent]] = [entries[parent], entries[i]];
      i = parent;
    }
  }

  /** When the earliest entry falls due, or undefined when there is none. */
  nextAt(): number | undefined {
    return this.entries[0]?.at;
  }

  /** Removes and returns the earliest entry's value when it is due at `now` or before. */
  popDue(now: number): T | undefined {
    const entries = this.entries;
    if (entries.length === 0 || entries[0].at > now) return undefined;
    const top = entries[0];
    const last = entries.pop()!;
    if (entries.length > 0) {
      entries[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < entries.length && this.before(left, smallest)) smallest = left;
        if (right < entries.length && this.before(right, smallest)) smallest = right;
        if (smallest === i) break;
        [entries[i], entries[smallest]] = [entries[smallest], entries[i]];
        i = smallest;
      }
    }
    return top.value;
  }

  clear(): void {
    this.entries.length = 0;
  }

  private before(a: number, b: number): boolean {
    const x = this.entries[a];
    const y = this.entries[b];
    return x.at < y.at || (x.at === y.at && x.order < y.order);
  }
}
