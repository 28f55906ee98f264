import { isRoomMessage, parseServerFrame } from '../../client/frames';

describe('parseServerFrame', () => {
  test('accepts each protocol event', () => {
    for (const frame of [
      { event: 'message', data: 'Received: hi', id: 'a' },
      { event: 'message', room: 'lobby', from: 'u1', data: 'hi', ts: 1 },
      { event: 'joined', room: 'lobby' },
      { event: 'left', room: 'lobby' },
      { event: 'pong' },
      { event: 'error', error: { code: 'BAD_REQUEST', message: 'no' } },
    ]) {
      expect(parseServerFrame(JSON.stringify(frame))).toEqual({ kind: 'frame', frame });
    }
  });

  test("recognises API Gateway's internal server error frame", () => {
    const text = JSON.stringify({ message: 'Internal server error', connectionId: 'BFaT_fALIAMCKug=', requestId: 'BFaUAHzDoAMFb9Q=' });
    expect(parseServerFrame(text)).toEqual({ kind: 'internal-error', message: 'Internal server error', requestId: 'BFaUAHzDoAMFb9Q=' });
  });

  test('reports non-JSON, non-object, binary and event-less frames as invalid', () => {
    expect(parseServerFrame('not json')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('not JSON') });
    expect(parseServerFrame('[1]')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('not a JSON object') });
    expect(parseServerFrame(Buffer.from('x'))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('binary') });
    for (const text of ['{"room":"lobby"}', '{"event":5}', '{"event":""}']) {
      expect(parseServerFrame(text)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('no "event" string') });
    }
  });

  test('a frame with an event protocol v1 does not define is one of your own actions', () => {
    const frame = { event: 'typing', room: 'lobby', userId: 'bob', id: 'a' };
    expect(parseServerFrame(JSON.stringify(frame))).toEqual({ kind: 'custom', frame });
  });
});

describe('isRoomMessage', () => {
  test('is true only for messages with a sender', () => {
    expect(isRoomMessage({ event: 'message', room: 'lobby', from: 'u1', data: 'hi', ts: 1 })).toBe(true);
    expect(isRoomMessage({ event: 'message', data: 'Received: hi', delivered: 1 })).toBe(false);
  });
});
