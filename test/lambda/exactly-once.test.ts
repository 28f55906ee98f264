import { dataHash, type DedupKey, type DedupRecord } from '../../lambda/core/dedup-record';
import type { FanoutResult } from '../../lambda/core/room-fanout';
import { sendToRoomOnce, type SendOnceDeps } from '../../lambda/core/room-messages';
import type { RoomMessage } from '../../protocol';

/**
 * sendToRoomOnce: a room message with an `id` goes out once per sender, room and id, whatever
 * fails between its steps and however often it is sent again. The table is faked in memory: a
 * history keyed by seq (as `HIST#<room>/MSG#<seq>` is), a dedup map with a conditional claim, and a
 * fan-out that records each delivery; a "crash" is a step that throws.
 */

const NOW = 1_700_000_000_000;
const delivered: FanoutResult = { delivered: 1, failed: 0, pruned: 0, expired: 0, skipped: 0 };

function world() {
  let counter = 0;
  const history = new Map<number, string>();
  const dedup = new Map<string, DedupRecord>();
  const broadcasts: RoomMessage[] = [];
  const steps: string[] = [];
  const failures: Record<string, number> = {};
  /** Throws at `step` the next `times` times: a function that stops there (timeout, crash). */
  const failAt = (step: string, times = 1) => (failures[step] = times);
  const step = (name: string) => {
    steps.push(name);
    if ((failures[name] ?? 0) > 0) {
      failures[name]--;
      throw new Error(`crashed at ${name}`);
    }
  };
  const id = (key: DedupKey) => JSON.stringify([key.room, key.sender, key.id]);
  const deps: SendOnceDeps = {
    history: {
      nextSeq: () => {
        step('nextSeq');
        return Promise.resolve(++counter);
      },
      append: (message) => {
        step('append');
        history.set(message.seq, JSON.stringify(message));
        return Promise.resolve();
      },
    },
    dedup: {
      find: (key) => {
        step('find');
        return Promise.resolve(dedup.get(id(key)));
      },
      claim: (key, record) => {
        step('claim');
        if (dedup.has(id(key))) return Promise.resolve(false);
        dedup.set(id(key), record);
        // The put landed, but its answer was lost.
        step('claim landed');
        return Promise.resolve(true);
      },
    },
    fanout: {
      broadcast: (message) => {
        step('broadcast');
        broadcasts.push(message as RoomMessage);
        return Promise.resolve(delivered);
      },
    },
    fanoutConcurrency: 4,
    now: () => NOW,
  };
  return { deps, history, dedup, broadcasts, steps, failAt, takeSeq: () => ++counter };
}

const draft = { room: 'lobby', from: 'alice', fromName: 'Alice', data: 'hello' };
const options = { exclude: 'C1', sender: 'alice' };

describe('sendToRoomOnce', () => {
  it('reads the id, takes the seq, claims the id, keeps the message, then fans it out', async () => {
    const { deps, steps, dedup, broadcasts } = world();
    const outcome = await sendToRoomOnce(draft, 'm1', deps, options);
    expect(outcome).toEqual({ kind: 'sent', message: broadcasts[0], fanout: delivered });
    expect(steps).toEqual(['find', 'nextSeq', 'claim', 'claim landed', 'append', 'broadcast']);
    expect(broadcasts[0]).toEqual({ event: 'message', room: 'lobby', from: 'alice', fromName: 'Alice', data: 'hello', ts: NOW, seq: 1 });
    expect([...dedup.values()]).toEqual([{ seq: 1, ts: NOW, dataHash: dataHash('hello') }]);
  });

  it('answers a resend with the first seq, sends nothing again and takes no seq', async () => {
    const { deps, steps, broadcasts, history } = world();
    await sendToRoomOnce(draft, 'm1', deps, options);
    steps.length = 0;
    await expect(sendToRoomOnce(draft, 'm1', deps, options)).resolves.toEqual({ kind: 'duplicate', seq: 1 });
    expect(steps).toEqual(['find', 'append']);
    expect(broadcasts).toHaveLength(1);
    expect([...history.keys()]).toEqual([1]);
  });

  it('keeps the ids of each sender and each room apart', async () => {
    const { deps, broadcasts } = world();
    await sendToRoomOnce(draft, 'm1', deps, options);
    await sendToRoomOnce({ ...draft, from: 'bob' }, 'm1', deps, { ...options, sender: 'bob' });
    await sendToRoomOnce({ ...draft, room: 'other' }, 'm1', deps, options);
    expect(broadcasts.map((m) => [m.room, m.from, m.seq])).toEqual([
      ['lobby', 'alice', 1],
      ['lobby', 'bob', 2],
      ['other', 'alice', 3],
    ]);
  });

  it('refuses another message that reuses an id, sending nothing', async () => {
    const { deps, steps, broadcasts } = world();
    await sendToRoomOnce(draft, 'm1', deps, options);
    steps.length = 0;
    await expect(sendToRoomOnce({ ...draft, data: 'something else' }, 'm1', deps, options)).resolves.toEqual({ kind: 'id-reused' });
    expect(steps).toEqual(['find']);
    expect(broadcasts).toHaveLength(1);
  });

  // Every step a send can stop at: a resend with the same id then delivers the message once in all,
  // and leaves it in history exactly once.
  it.each(['find', 'nextSeq', 'claim', 'claim landed', 'append', 'broadcast'])(
    'a first send that stops at %s, then its resend: the message is kept once and fanned out at most once',
    async (crashAt) => {
      const { deps, history, broadcasts, failAt } = world();
      failAt(crashAt);
      await expect(sendToRoomOnce(draft, 'm1', deps, options)).rejects.toThrow(`crashed at ${crashAt}`);
      const resent = await sendToRoomOnce(draft, 'm1', deps, options);
      const kept = [...history.values()].map((frame) => JSON.parse(frame) as RoomMessage);
      expect(kept.map((m) => m.data)).toEqual(['hello']);
      expect(broadcasts.length).toBeLessThanOrEqual(1);
      // Whoever claimed the id first owns its seq: the ack names the message that was kept.
      expect(resent.kind === 'sent' ? resent.message.seq : resent.kind === 'duplicate' ? resent.seq : undefined).toBe(kept[0].seq);
      // Stopped before the claim landed: nothing was sent, so the resend sends it. After: the resend only acknowledges.
      expect(resent.kind).toBe(['find', 'nextSeq', 'claim'].includes(crashAt) ? 'sent' : 'duplicate');
    },
  );

  it('a resend writes the same history bytes the first send did (ts from the claim), so a repair changes nothing', async () => {
    const { deps, history, failAt } = world();
    failAt('broadcast');
    await expect(sendToRoomOnce(draft, 'm1', deps, options)).rejects.toThrow();
    const first = history.get(1);
    await sendToRoomOnce(draft, 'm1', { ...deps, now: () => NOW + 60_000 }, options);
    expect(history.get(1)).toBe(first);
  });

  it('two sends of one id at once: one goes out, the other answers with its seq (its own seq is burnt)', async () => {
    const { deps, broadcasts, dedup } = world();
    // Both read "no record" before either claims.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const find = deps.dedup.find;
    deps.dedup.find = async (key) => {
      const found = await find(key);
      if (++reads <= 2) await (reads === 2 ? (release(), gate) : gate);
      return found;
    };
    const [a, b] = await Promise.all([sendToRoomOnce(draft, 'm1', deps, options), sendToRoomOnce(draft, 'm1', deps, options)]);
    expect([a.kind, b.kind].sort()).toEqual(['duplicate', 'sent']);
    expect(broadcasts).toHaveLength(1);
    const winner = [...dedup.values()][0].seq;
    expect((a.kind === 'duplicate' ? a : b) as { seq: number }).toMatchObject({ seq: winner });
  });

  it('goes on when its claim only seemed to fail: a retried put that found its own first attempt', async () => {
    const { deps, broadcasts, dedup } = world();
    deps.dedup.claim = (key, record) => {
      dedup.set(JSON.stringify([key.room, key.sender, key.id]), record); // the first attempt landed...
      return Promise.resolve(false); // ...and the retry's condition failed on it
    };
    await expect(sendToRoomOnce(draft, 'm1', deps, options)).resolves.toMatchObject({ kind: 'sent' });
    expect(broadcasts).toHaveLength(1);
  });
});
