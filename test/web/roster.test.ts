import type { PresenceEvent } from '../../protocol';
import { applyPresence } from '../../web/src/roster';

const presence = (userId: string, change: 'joined' | 'left'): PresenceEvent => ({ event: 'presence', room: 'lobby', userId, change });

describe('applyPresence', () => {
  test('a user who joins is added once; one who leaves is removed', () => {
    const start = [{ userId: 'alice', connections: 2 }];
    const withBob = applyPresence(start, presence('bob', 'joined'));
    expect(withBob).toEqual([
      { userId: 'alice', connections: 2 },
      { userId: 'bob', connections: 1 },
    ]);
    // A repeated join (e.g. the event and a members() reply racing) keeps what was known.
    expect(applyPresence(withBob, presence('alice', 'joined'))).toContainEqual({ userId: 'alice', connections: 2 });
    expect(applyPresence(withBob, presence('alice', 'joined'))).toHaveLength(2);
    expect(applyPresence(withBob, presence('alice', 'left'))).toEqual([{ userId: 'bob', connections: 1 }]);
    expect(applyPresence(withBob, presence('carol', 'left'))).toEqual(withBob);
  });

  test("keeps the user's display name from the presence event", () => {
    const named: PresenceEvent = { event: 'presence', room: 'lobby', userId: 'u-2', name: 'Bob', change: 'joined' };
    expect(applyPresence([], named)).toEqual([{ userId: 'u-2', name: 'Bob', connections: 1 }]);
    expect(applyPresence([{ userId: 'u-2', connections: 3 }], named)).toEqual([{ userId: 'u-2', name: 'Bob', connections: 3 }]);
  });
});
