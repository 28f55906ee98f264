/**
 * Counts, from switchboard-local's log (run without --quiet), what API Gateway refused: the
 * `@connections` calls by status (429 LimitExceededException among them) and the incoming messages
 * the account quota throttled. One line at a time, as the log arrives.
 */

export class EmulatorLogCounts {
  /** PostToConnection calls by the status they were answered with. */
  readonly posts = new Map<number, number>();
  /** Incoming messages answered "Too Many Requests" (the account quota). */
  throttledMessages = 0;

  add(line: string): void {
    // gateway.ts: `@connections POST   <id> <status>`; access-log.ts: `MESSAGE    (throttled)  <id> 429 (...)`.
    const post = /^@connections POST\s+\S+ (\d{3})$/.exec(line);
    if (post) {
      const status = Number(post[1]);
      this.posts.set(status, (this.posts.get(status) ?? 0) + 1);
    } else if (/^MESSAGE\s+\(throttled\)\s/.test(line)) this.throttledMessages++;
  }

  postsAnswered(status: number): number {
    return this.posts.get(status) ?? 0;
  }
}
