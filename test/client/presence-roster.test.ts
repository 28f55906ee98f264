import fc from 'fast-check';
import { PresenceRoster } from '../../client/presence-roster';
import type { PresenceEvent, RoomMember } from '../../protocol';

const joined = (userId: string, version: number, connections = 1, name?: string): PresenceEvent => ({
  event: 'presence',
  room: 'lobby',
  userId,
  ...(name === undefined ? {} : { name }),
  change: 'joined',
  connections,
  version,
});
const left = (userId: string, version: number): PresenceEvent => ({
  event: 'presence',
  room: 'lobby',
  userId,
  change: 'left',
  connections: 0,
  version,
});
const member = (userId: string, version: number, connections = 1): RoomMember => ({ userId, connections, version });

describe('PresenceRoster', () => {
  test('a user who joins is listed once, with the name and count the event gives; one who leaves is removed', () => {
    const roster = new PresenceRoster();
    expect(roster.applyEvent(joined('bob', 1, 1, 'Bob'))).toBe(true);
    expect(roster.applyEvent(joined('alice', 3, 2))).toBe(true);
    expect(roster.members).toEqual([
      { userId: 'bob', name: 'Bob', connections: 1, version: 1 },
      { userId: 'alice', connections: 2, version: 3 },
    ]);
    expect(roster.applyEvent(left('alice', 4))).toBe(true);
    expect(roster.members).toEqual([{ userId: 'bob', name: 'Bob', connections: 1, version: 1 }]);
    // A `left` of a user never seen is still news: it is remembered, so an older `joined` cannot list them.
    expect(roster.applyEvent(left('carol', 7))).toBe(true);
    expect(roster.applyEvent(joined('carol', 6))).toBe(false);
    expect(roster.members.map((m) => m.userId)).toEqual(['bob']);
  });

  test('ignores an event at or below the version it knows of that user (a repeat, or older news)', () => {
    const roster = new PresenceRoster();
    roster.applyEvent(joined('alice', 5));
    expect(roster.applyEvent(left('alice', 4))).toBe(false);
    expect(roster.applyEvent(joined('alice', 5))).toBe(false);
    expect(roster.members).toEqual([member('alice', 5)]);
  });

  test('a full list removes users it leaves out, unless what is known of them was learned after the read began', () => {
    const roster = new PresenceRoster();
    roster.applyEvent(joined('gone', 2));
    const since = roster.mark();
    roster.applyEvent(joined('late', 9)); // an event that overtook the list's reply
    roster.applyList([member('alice', 4, 2)], since);
    expect(roster.members).toEqual([member('late', 9), member('alice', 4, 2)]);
  });

  test("a list's entries lose to newer events, and win over older ones; a page alone removes nobody", () => {
    const roster = new PresenceRoster();
    roster.applyEvent(left('alice', 8));
    roster.applyEvent(joined('bob', 1));
    roster.applyEntries([member('alice', 7), member('bob', 3, 2)]);
    expect(roster.members).toEqual([member('bob', 3, 2)]);
    roster.applyEntries([member('carol', 1)]);
    expect(roster.members.map((m) => m.userId)).toEqual(['bob', 'carol']);
  });

  test('clear() forgets everything', () => {
    const roster = new PresenceRoster();
    roster.applyEvent(joined('alice', 5));
    roster.clear();
    expect(roster.members).toEqual([]);
    expect(roster.applyEvent(joined('alice', 1))).toBe(true);
  });

  test("whatever order one user's events arrive in, the roster ends as the newest says", () => {
    // A user's history: versions 1..n, alternating joined (odd) and left (even), delivered shuffled.
    const history = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i + 1),
        { minLength: n, maxLength: n },
      ),
    );
    fc.assert(
      fc.property(history, (versions) => {
        const roster = new PresenceRoster();
        for (const v of versions) roster.applyEvent(v % 2 === 1 ? joined('alice', v) : left('alice', v));
        const newest = Math.max(...versions);
        expect(roster.members).toEqual(newest % 2 === 1 ? [member('alice', newest)] : []);
      }),
    );
  });
});
