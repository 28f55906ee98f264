import { OwnMessages } from '../../web/src/own-messages';

describe('OwnMessages', () => {
  test('a room message of ours claims the oldest unclaimed line with its text in its room, once', () => {
    const own = new OwnMessages<string>();
    own.sent('lobby', 'hi', 'line-1');
    own.sent('lobby', 'hi', 'line-2');
    own.sent('games', 'hi', 'line-3');
    expect(own.claim('lobby', 'hi')).toBe('line-1');
    expect(own.claim('lobby', 'hi')).toBe('line-2');
    expect(own.claim('lobby', 'hi')).toBeUndefined();
    expect(own.claim('games', 'hi')).toBe('line-3');
  });

  test('a line that failed, or of a room left, is never claimed (its message is shown as a new line)', () => {
    const own = new OwnMessages<string>();
    own.sent('lobby', 'a', 'line-a');
    own.sent('lobby', 'b', 'line-b');
    own.release('lobby', 'line-a');
    expect(own.claim('lobby', 'a')).toBeUndefined();
    own.forget('lobby');
    expect(own.claim('lobby', 'b')).toBeUndefined();
  });
});
