import type { PresenceEvent, RoomMember } from '../protocol';

/** What is known of one user: the newest version seen, and the user while present. */
interface Known {
  version: number;
  /** Absent once the user left. */
  member?: RoomMember;
  /** When it was learned, in this roster's own count of updates. */
  learned: number;
}

/**
 * A room's users as `presence` events and `members` lists tell them, applied by each user's
 * version: news older than what is known of a user changes nothing, so events that arrive out of
 * order (a `left` of an old connection after the `joined` of a new one) and lists read while
 * events were on their way agree. No I/O and no clock: fed by the room.
 */
export class PresenceRoster {
  private readonly users = new Map<string, Known>();
  private updates = 0;

  /** Applies a presence event; false when it is older news than what is known of its user. */
  applyEvent(event: PresenceEvent): boolean {
    const name = event.name === undefined ? {} : { name: event.name };
    const member =
      event.change === 'joined' ? { userId: event.userId, ...name, connections: event.connections, version: event.version } : undefined;
    return this.learn(event.userId, event.version, member);
  }

  /** Where a full list read starts: pass it to {@link applyList} with what the read returned. */
  mark(): number {
    return this.updates;
  }

  /**
   * Applies a list of members, all pages, read after {@link mark} returned `since`: its entries by
   * version, and a user it leaves out is gone, unless what is known of them was learned after the
   * read began (an event newer than the list, maybe).
   */
  applyList(members: readonly RoomMember[], since: number): void {
    this.applyEntries(members);
    const listed = new Set(members.map((member) => member.userId));
    for (const [userId, known] of this.users) {
      if (known.member !== undefined && !listed.has(userId) && known.learned <= since) known.member = undefined;
    }
  }

  /** Applies entries of one page: each by version; says nothing of users the page leaves out. */
  applyEntries(members: readonly RoomMember[]): void {
    for (const member of members) this.learn(member.userId, member.version, member);
  }

  /** The users present, as last known. */
  get members(): RoomMember[] {
    return [...this.users.values()].flatMap((known) => (known.member === undefined ? [] : [known.member]));
  }

  /** Forgets everything: the room was left. */
  clear(): void {
    this.users.clear();
  }

  private learn(userId: string, version: number, member: RoomMember | undefined): boolean {
    const known = this.users.get(userId);
    // A list entry at the known version is the same state; an event at it is a repeat.
    if (known !== undefined && version <= known.version) return false;
    this.users.set(userId, { version, learned: ++this.updates, ...(member === undefined ? {} : { member }) });
    return true;
  }
}
