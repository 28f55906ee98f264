import {
  TYPING_QUIET_AFTER_MESSAGE_MS,
  TYPING_SEND_EVERY_MS,
  TYPING_SHOWN_MS,
  TypingIndicator,
  TypingSender,
  typingText,
} from '../../web/src/typing';
import { ManualClock } from '../support/manual-clock';

describe('typingText', () => {
  test.each<[string[], string]>([
    [[], ''],
    [['alice'], 'alice is typing…'],
    [['alice', 'bob'], 'alice and bob are typing…'],
    [['alice', 'bob', 'carol'], '3 people are typing…'],
  ])('%j: %p', (names, text) => expect(typingText(names)).toBe(text));
});

describe('TypingIndicator', () => {
  test('shows a typist until their signals stop for a while or their message arrives, each room apart', () => {
    const clock = new ManualClock();
    const changes: Array<[string, string[]]> = [];
    const typing = new TypingIndicator(clock, (room, names) => changes.push([room, names]));
    typing.signalled('lobby', 'u-1', 'alice');
    typing.signalled('lobby', 'u-2', 'bob');
    typing.signalled('games', 'u-1', 'alice');
    expect(typing.names('lobby')).toEqual(['alice', 'bob']);
    // Alice keeps typing: her signal renews her, and changes nothing shown.
    clock.advance(TYPING_SHOWN_MS - 1);
    typing.signalled('lobby', 'u-1', 'alice');
    const shown = changes.length;
    clock.advance(1);
    expect(typing.names('lobby')).toEqual(['alice']);
    expect(typing.names('games')).toEqual([]);
    expect(changes.length).toBe(shown + 2);
    typing.stopped('lobby', 'u-1');
    expect(changes.at(-1)).toEqual(['lobby', []]);
    expect(clock.pendingDelays()).toEqual([]);
  });

  test("passes over a typing signal that arrives just after its sender's message, not one that comes later", () => {
    const clock = new ManualClock();
    const typing = new TypingIndicator(clock, () => undefined);
    typing.signalled('lobby', 'u-1', 'alice');
    typing.messageArrived('lobby', 'u-1');
    typing.signalled('lobby', 'u-1', 'alice');
    expect(typing.names('lobby')).toEqual([]);
    clock.advance(TYPING_QUIET_AFTER_MESSAGE_MS);
    typing.signalled('lobby', 'u-1', 'alice');
    expect(typing.names('lobby')).toEqual(['alice']);
  });
});

describe('TypingSender', () => {
  test('sends at most one signal per room every interval while typing, and at once after a message went out', () => {
    const clock = new ManualClock();
    const sent: string[] = [];
    const sender = new TypingSender(clock, (room) => sent.push(room));
    sender.typed('lobby');
    sender.typed('lobby');
    sender.typed('games');
    clock.advance(TYPING_SEND_EVERY_MS - 1);
    sender.typed('lobby');
    expect(sent).toEqual(['lobby', 'games']);
    clock.advance(1);
    sender.typed('lobby');
    sender.sent('games');
    sender.typed('games');
    expect(sent).toEqual(['lobby', 'games', 'lobby', 'games']);
  });
});
