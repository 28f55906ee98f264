/**
 * Our own room messages, shown as "you: …" when sent. The server never sends a sender its own
 * message; its acknowledgement gives the `seq`, but when the connection drops before the ack
 * arrives, a resume (join with `since`) or a history request can bring it back as a room message
 * from us. This pairs such a message with
 * the line already shown, oldest first, so it is not shown twice.
 */
export class OwnMessages<Line> {
  /** Per room, the lines sent from this page that no room message has claimed yet, oldest first. */
  private readonly unclaimed = new Map<string, Array<{ data: string; line: Line }>>();

  /** Records a line sent to `room`. */
  sent(room: string, data: string, line: Line): void {
    const lines = this.unclaimed.get(room) ?? [];
    lines.push({ data, line });
    this.unclaimed.set(room, lines);
  }

  /** Forgets one line: its message never reached the room (refused, dropped unsent), or its ack already gave its seq. */
  release(room: string, line: Line): void {
    const lines = this.unclaimed.get(room);
    const index = lines?.findIndex((entry) => entry.line === line) ?? -1;
    if (lines && index >= 0) lines.splice(index, 1);
  }

  /** The line this message of ours was shown as, if this page sent it and it is unclaimed; claims it. */
  claim(room: string, data: string): Line | undefined {
    const lines = this.unclaimed.get(room);
    const index = lines?.findIndex((entry) => entry.data === data) ?? -1;
    if (!lines || index < 0) return undefined;
    return lines.splice(index, 1)[0].line;
  }

  /** Forgets a room's lines (after leaving it). */
  forget(room: string): void {
    this.unclaimed.delete(room);
  }
}
