import { completeJoin, publishToRoom, roomHistory } from '../../lambda/core/actions';
import type { ConnectionRecord } from '../../lambda/core/connection-store';
import type { FanoutResult } from '../../lambda/core/room-fanout';
import { sendToRoom, type RoomMessageDeps } from '../../lambda/core/room-messages';
import { LIMITS, serialize, type RoomMessage, type ServerFrame } from '../../protocol';

/**
 * The core of every room message (sendToRoom), of resume (completeJoin), of `history` and of the
 * Publish function, with recording fakes for the history, the fan-out and the notifier.
 */

const NOW = 1_700_000_000_000;
const sent: FanoutResult = { delivered: 2, failed: 1, pruned: 0, expired: 0, skipped: 0 };

function roomDeps(overrides: Partial<RoomMessageDeps> = {}) {
  const steps: string[] = [];
  let seq = 0;
  const broadcasts: Array<{ message: RoomMessage; exclude: string | undefined; concurrency: number }> = [];
  const deps: RoomMessageDeps = {
    history: {
      nextSeq: (room) => {
        steps.push(`nextSeq ${room}`);
        return Promise.resolve(++seq);
      },
      append: (message) => {
        steps.push(`append ${message.seq}`);
        return Promise.resolve();
      },
    },
    fanout: {
      broadcast: (message, exclude, options) => {
        steps.push(`broadcast ${(message as RoomMessage).seq}`);
        broadcasts.push({ message: message as RoomMessage, exclude, concurrency: options.concurrency });
        return Promise.resolve(sent);
      },
    },
    fanoutConcurrency: 8,
    now: () => NOW,
    ...overrides,
  };
  return { deps, steps, broadcasts };
}

describe('sendToRoom', () => {
  it('takes the seq, keeps the message, then fans it out, in that order', async () => {
    const { deps, steps, broadcasts } = roomDeps();
    const first = await sendToRoom({ room: 'lobby', from: 'alice', data: 'a' }, deps, { exclude: 'C1' });
    const second = await sendToRoom({ room: 'lobby', from: 'alice', data: 'b' }, deps, { exclude: 'C1' });
    expect(first.message).toEqual({ event: 'message', room: 'lobby', from: 'alice', data: 'a', ts: NOW, seq: 1 });
    expect(second.message.seq).toBe(2);
    expect(first.fanout).toBe(sent);
    expect(steps).toEqual(['nextSeq lobby', 'append 1', 'broadcast 1', 'nextSeq lobby', 'append 2', 'broadcast 2']);
    expect(broadcasts[0]).toEqual({ message: first.message, exclude: 'C1', concurrency: 8 });
  });

  it('sends nothing when the history write fails, so every message a member got can be replayed', async () => {
    const { deps, steps } = roomDeps();
    deps.history.append = () => Promise.reject(new Error('DynamoDB unavailable'));
    await expect(sendToRoom({ room: 'lobby', from: 'alice', data: 'a' }, deps)).rejects.toThrow('DynamoDB unavailable');
    expect(steps).toEqual(['nextSeq lobby']);
  });
});

describe('publishToRoom (the Publish function)', () => {
  it('sends to every member, none excluded, from "server" by default', async () => {
    const { deps, broadcasts } = roomDeps();
    await expect(publishToRoom({ room: 'orders.42', data: 'shipped' }, deps)).resolves.toEqual({
      room: 'orders.42',
      seq: 1,
      delivered: 2,
      failed: 1,
    });
    expect(broadcasts[0].exclude).toBeUndefined();
    expect(broadcasts[0].message).toMatchObject({ room: 'orders.42', from: 'server', data: 'shipped' });
  });

  it("uses the publisher's name as `from`", async () => {
    const { deps, broadcasts } = roomDeps();
    await publishToRoom({ room: 'lobby', data: 'x', from: 'billing' }, deps);
    expect(broadcasts[0].message.from).toBe('billing');
  });

  it('marks every published message, so a publisher named like a user (or "SERVER") is never taken for one', async () => {
    const { deps, broadcasts } = roomDeps();
    await publishToRoom({ room: 'lobby', data: 'x', from: 'local-alice' }, deps);
    await publishToRoom({ room: 'lobby', data: 'y', from: 'SERVER' }, deps);
    await publishToRoom({ room: 'lobby', data: 'z' }, deps);
    expect(broadcasts.map((b) => [b.message.from, b.message.publisher, 'fromName' in b.message])).toEqual([
      ['local-alice', true, false],
      ['SERVER', true, false],
      ['server', true, false],
    ]);
  });

  it.each([
    ['not an object', 'hello', 'must be a JSON object'],
    ['null', null, 'must be a JSON object'],
    ['an array', [1], 'must be a JSON object'],
    ['no room', { data: 'x' }, '"room" is required; expected 1-64 characters'],
    ['a bad room', { room: 'a b', data: 'x' }, '"room" must be 1-64 characters'],
    ['numeric data', { room: 'lobby', data: 1 }, '"data" must be a string; got a number'],
    ['data over the limit', { room: 'lobby', data: 'x'.repeat(LIMITS.maxDataBytes + 1) }, `the limit is ${LIMITS.maxDataBytes} bytes`],
    [
      'an empty from',
      { room: 'lobby', data: 'x', from: '' },
      '"from" must be a publisher name, or absent for "server": a name must be 1-64',
    ],
    ['a 65-character from', { room: 'lobby', data: 'x', from: 'f'.repeat(65) }, 'a name must be 1-64 characters'],
    ['a from of escaped control characters', { room: 'lobby', data: 'x', from: '\u0001'.repeat(64) }, 'at most 256 bytes'],
    [
      'a from with a control character',
      { room: 'lobby', data: 'x', from: 'ci\u0007' },
      'may not hold control or bidirectional-control characters',
    ],
    [
      'a from with a right-to-left override',
      { room: 'lobby', data: 'x', from: '\u202Eecila' },
      'may not hold control or bidirectional-control characters',
    ],
    ['a from with an isolate', { room: 'lobby', data: 'x', from: 'a\u2067b' }, 'may not hold control or bidirectional-control characters'],
    ['a from with spaces around', { room: 'lobby', data: 'x', from: ' server ' }, 'may not start or end with a space'],
  ])('answers a payload with %s with BAD_REQUEST, sending nothing', async (_name, payload, message) => {
    const { deps, steps } = roomDeps();
    await expect(publishToRoom(payload, deps)).resolves.toEqual({
      error: { code: 'BAD_REQUEST', message: expect.stringContaining(message) as string },
    });
    expect(steps).toEqual([]);
  });

  it('accepts data exactly at the limit', async () => {
    const { deps } = roomDeps();
    await expect(publishToRoom({ room: 'lobby', data: 'x'.repeat(LIMITS.maxDataBytes) }, deps)).resolves.toMatchObject({ seq: 1 });
  });
});

describe('completeJoin (the rest of a join that took effect)', () => {
  const stored = (seq: number): RoomMessage => ({ event: 'message', room: 'lobby', from: 'u', data: `m${seq}`, ts: NOW, seq });

  function joinDeps(latest: number, retained: RoomMessage[], post: (frame: ServerFrame | string) => 'sent' | 'gone' = () => 'sent') {
    const posted: Array<ServerFrame | string> = [];
    const sinceCalls: Array<[number, number | undefined]> = [];
    return {
      posted,
      sinceCalls,
      deps: {
        history: {
          latestSeq: () => Promise.resolve(latest),
          since: (_room: string, after: number, upTo?: number) => {
            sinceCalls.push([after, upTo]);
            return Promise.resolve(retained.filter((m) => m.seq > after && m.seq <= (upTo ?? Infinity)));
          },
        },
        notifier: {
          post: (_connectionId: string, frame: ServerFrame | string) => {
            posted.push(frame);
            return Promise.resolve(post(frame));
          },
        },
      },
    };
  }

  it('answers joined with the latest seq as the route response without `since`', async () => {
    const { deps, posted } = joinDeps(12, []);
    await expect(completeJoin({ action: 'join', room: 'lobby', id: 'j' }, 'C1', deps)).resolves.toEqual({
      event: 'joined',
      room: 'lobby',
      seq: 12,
      id: 'j',
    });
    expect(posted).toEqual([]);
  });

  it('with `since`, posts joined (seq, replay) and then the missed messages in order, and answers nothing', async () => {
    const { deps, posted, sinceCalls } = joinDeps(5, [2, 3, 4, 5].map(stored));
    await expect(completeJoin({ action: 'join', room: 'lobby', since: 3, id: 'r' }, 'C1', deps)).resolves.toBeUndefined();
    expect(posted).toEqual([{ event: 'joined', room: 'lobby', seq: 5, replay: 2, id: 'r' }, stored(4), stored(5)]);
    // Bounded by the latest seq read before, so `replay` counts exactly what follows.
    expect(sinceCalls).toEqual([[3, 5]]);
  });

  it('replays nothing to a client that is up to date, or whose `since` is past a restarted counter', async () => {
    for (const since of [5, 900]) {
      const { deps, posted, sinceCalls } = joinDeps(5, [stored(5)]);
      await completeJoin({ action: 'join', room: 'lobby', since }, 'C1', deps);
      expect(posted).toEqual([{ event: 'joined', room: 'lobby', seq: 5, replay: 0 }]);
      expect(sinceCalls).toEqual([]);
    }
  });

  it('stops posting when the joiner is gone', async () => {
    const { deps, posted } = joinDeps(3, [1, 2, 3].map(stored), (frame) =>
      typeof frame !== 'string' && 'seq' in frame && frame.seq === 1 ? 'gone' : 'sent',
    );
    await completeJoin({ action: 'join', room: 'lobby', since: 0 }, 'C1', deps);
    expect(posted).toHaveLength(2); // joined, then message 1 answered 410
  });

  it('a post that fails mid-replay (throttled, a full buffer) cuts the replay short instead of failing the join', async () => {
    const { deps, posted } = joinDeps(3, [1, 2, 3].map(stored));
    const post = deps.notifier.post;
    deps.notifier.post = (id, frame) =>
      typeof frame !== 'string' && 'seq' in frame && frame.event === 'message' && frame.seq === 2
        ? Promise.reject(Object.assign(new Error("client's buffer is full"), { $metadata: { httpStatusCode: 429 } }))
        : post(id, frame);
    const cut: number[] = [];
    await expect(
      completeJoin({ action: 'join', room: 'lobby', since: 0 }, 'C1', { ...deps, onReplayCut: (_err, n) => cut.push(n) }),
    ).resolves.toBeUndefined();
    expect(posted).toEqual([{ event: 'joined', room: 'lobby', seq: 3, replay: 3 }, stored(1)]);
    expect(cut).toEqual([2]);
  });

  it('when joined itself cannot be posted, it is the route response, with no replay: the client fills from history', async () => {
    const { deps, posted } = joinDeps(3, [1, 2, 3].map(stored));
    deps.notifier.post = () => Promise.reject(new Error('LimitExceededException'));
    await expect(completeJoin({ action: 'join', room: 'lobby', since: 0, id: 'j' }, 'C1', deps)).resolves.toEqual({
      event: 'joined',
      room: 'lobby',
      seq: 3,
      replay: 0,
      id: 'j',
    });
    expect(posted).toEqual([]);
  });

  it('a member that joins again with `since` replays nothing, however often: joined with the latest seq', async () => {
    const { deps, posted, sinceCalls } = joinDeps(3, [1, 2, 3].map(stored));
    for (let i = 0; i < 50; i++) {
      await expect(completeJoin({ action: 'join', room: 'lobby', since: 0 }, 'C1', { ...deps, alreadyMember: true })).resolves.toEqual({
        event: 'joined',
        room: 'lobby',
        seq: 3,
        replay: 0,
      });
    }
    expect(posted).toEqual([]);
    expect(sinceCalls).toEqual([]);
  });

  it('leaves the rest of a replay to the client (history) when the time runs out', async () => {
    const { deps, posted } = joinDeps(3, [1, 2, 3].map(stored));
    let remaining = 5000;
    const post = deps.notifier.post;
    deps.notifier.post = (id, frame) => {
      remaining -= 2000;
      return post(id, frame);
    };
    await completeJoin({ action: 'join', room: 'lobby', since: 0 }, 'C1', { ...deps, remainingMs: () => remaining });
    // joined (5000 -> 3000), message 1 (3000 -> 1000), then 1000 ms is under the reserve.
    expect(posted).toHaveLength(2);
  });
});

describe('roomHistory (the `history` action)', () => {
  const member = (rooms: string[]): ConnectionRecord => ({
    connectionId: 'C1',
    connectedAt: 0,
    sourceIp: '',
    rooms,
    shards: {},
    expiresAt: 0,
  });
  const message = (seq: number, data: string): RoomMessage => ({ event: 'message', room: 'lobby', from: 'u', data, ts: NOW, seq });

  function historyDeps(rooms: string[], messages: RoomMessage[]) {
    const calls: Array<{ before: number | undefined; limit: number; maxBytes: number | undefined }> = [];
    return {
      calls,
      deps: {
        store: { getConnection: () => Promise.resolve(member(rooms)) },
        history: {
          before: (_room: string, before: number | undefined, limit: number, maxBytes?: number) => {
            calls.push({ before, limit, maxBytes });
            // As RoomHistory does: the newest that fit maxBytes, oldest first.
            const picked: RoomMessage[] = [];
            let bytes = 0;
            for (const m of [...messages].reverse().slice(0, limit)) {
              bytes += Buffer.byteLength(serialize(m));
              if (bytes > (maxBytes ?? Infinity)) break;
              picked.unshift(m);
            }
            return Promise.resolve({ messages: picked, trimmed: picked.length < Math.min(limit, messages.length) });
          },
        },
      },
    };
  }

  it('answers NOT_IN_ROOM to a connection that is not a member', async () => {
    const { deps, calls } = historyDeps(['other'], []);
    await expect(roomHistory({ action: 'history', room: 'lobby', id: 'h' }, 'C1', deps)).resolves.toMatchObject({
      event: 'error',
      error: { code: 'NOT_IN_ROOM' },
      id: 'h',
    });
    expect(calls).toEqual([]);
  });

  it('answers a page oldest first, 50 by default, with `before` passed on', async () => {
    const { deps, calls } = historyDeps(['lobby'], [message(1, 'a'), message(2, 'b')]);
    await expect(roomHistory({ action: 'history', room: 'lobby', before: 3, id: 'h' }, 'C1', deps)).resolves.toEqual({
      event: 'history',
      room: 'lobby',
      messages: [message(1, 'a'), message(2, 'b')],
      id: 'h',
    });
    expect(calls[0]).toMatchObject({ before: 3, limit: 50 });
  });

  it('keeps the reply within API Gateway\u2019s 128 KB by leaving out the oldest', async () => {
    // 100 messages of the largest data: about 3.2 MB, which no reply may carry.
    const big = Array.from({ length: 100 }, (_, i) => message(i + 1, '\u00e9'.repeat(LIMITS.maxDataBytes / 2)));
    const { deps } = historyDeps(['lobby'], big);
    const reply = await roomHistory({ action: 'history', room: 'lobby', limit: 100, id: 'x'.repeat(64) }, 'C1', deps);
    expect(reply.event).toBe('history');
    const messages = (reply as { messages: RoomMessage[] }).messages;
    expect(Buffer.byteLength(serialize(reply))).toBeLessThanOrEqual(LIMITS.maxMessageBytes);
    // As many of the newest as fit, the newest last: 4 of 32 KB; one more would not fit.
    expect(messages.map((m) => m.seq)).toEqual([97, 98, 99, 100]);
    const withOneMore = { ...reply, messages: [big[95], ...messages] };
    expect(Buffer.byteLength(serialize(withOneMore))).toBeGreaterThan(LIMITS.maxMessageBytes);
  });
});
