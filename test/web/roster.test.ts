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
});
