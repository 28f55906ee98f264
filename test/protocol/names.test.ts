import { CUSTOM_ACTION_PATTERN } from '../../client/custom';
import { LIMITS, ROOM_NAME, SERVER_EVENTS, type ServerFrame } from '../../protocol';

describe('ROOM_NAME', () => {
  test.each(['lobby', 'team.red-1', 'a', 'A_b.C-d', 'x'.repeat(64)])('accepts %p', (name) => {
    expect(ROOM_NAME.pattern.test(name)).toBe(true);
    expect(new RegExp(`^(?:${ROOM_NAME.inputPattern})$`, 'v').test(name)).toBe(true);
  });

  test.each(['', 'no spaces', 'x'.repeat(65), 'émoji', 'slash/room', 'star*'])('refuses %p', (name) => {
    expect(ROOM_NAME.pattern.test(name)).toBe(false);
    // A browser compiles an input's pattern with the `v` flag, anchored: the page's check is the same rule.
    expect(new RegExp(`^(?:${ROOM_NAME.inputPattern})$`, 'v').test(name)).toBe(false);
  });

  test('is the rule of room names in frames and of the names of actions of your own', () => {
    expect(LIMITS.roomNamePattern).toBe(ROOM_NAME.pattern);
    expect(CUSTOM_ACTION_PATTERN).toBe(ROOM_NAME.pattern);
    expect(ROOM_NAME.description).toBe('1-64 characters of A-Z a-z 0-9 _ . -');
  });
});

describe('SERVER_EVENTS', () => {
  test('lists each event of the ServerFrame union once', () => {
    const events: Array<ServerFrame['event']> = [
      'message',
      'joined',
      'left',
      'pong',
      'error',
      'members',
      'presence',
      'occupancy',
      'history',
      'signal',
    ];
    expect([...SERVER_EVENTS].sort()).toEqual([...events].sort());
  });
});
