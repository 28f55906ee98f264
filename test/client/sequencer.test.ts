import fc from 'fast-check';
import type { RoomMessage } from '../../protocol';
import { SwitchboardError } from '../../client';
import { type FetchFailure, RoomSequencer } from '../../client/sequencer';
import { ManualClock } from '../support/manual-clock';

const WAIT_MS = 500;

function message(seq: number): RoomMessage {
  return { event: 'message', room: 'lobby', from: 'bob', data: `m${seq}`, ts: 1_700_000_000_000 + seq, seq };
}

/** Lets fetches that resolved at once settle, and the deliveries after them run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

interface Harness {
  clock: ManualClock;
  sequencer: RoomSequencer;
  delivered: number[];
  gaps: Array<[number, number]>;
  fetches: Array<[number, number]>;
}

/** A sequencer whose history keeps the seqs `retained` says it keeps. */
function harness(
  options: { retained?: (seq: number) => boolean; fetch?: (from: number, to: number) => Promise<RoomMessage[]> } = {},
): Harness {
  const clock = new ManualClock();
  const delivered: number[] = [];
  const gaps: Array<[number, number]> = [];
  const fetches: Array<[number, number]> = [];
  const retained = options.retained ?? (() => true);
  const sequencer = new RoomSequencer({
    clock,
    gapWaitMs: WAIT_MS,
    deliver: (m) => delivered.push(m.seq),
    gap: (from, to) => gaps.push([from, to]),
    fetch: (from, to) => {
      fetches.push([from, to]);
      if (options.fetch) return options.fetch(from, to);
      const messages: RoomMessage[] = [];
      for (let seq = from; seq <= to; seq++) if (retained(seq)) messages.push(message(seq));
      return Promise.resolve(messages);
    },
    classifyFailure: (err): FetchFailure => {
      const code = (err as SwitchboardError).code;
      return code === 'TIMEOUT' ? 'retry' : code === 'DISCONNECTED' ? 'await-rejoin' : 'give-up';
    },
  });
  return { clock, sequencer, delivered, gaps, fetches };
}

describe('RoomSequencer', () => {
  test("passes over our own messages' numbers (from their acks) without waiting or fetching, whichever comes first", async () => {
    const { clock, sequencer, delivered, fetches, gaps } = harness();
    sequencer.expectJoin();
    sequencer.joined(0);
    sequencer.accept(message(1));
    // Our message took 2; bob's 3 arrives before our ack.
    sequencer.accept(message(3));
    expect(delivered).toEqual([1]);
    sequencer.ownMessage(2);
    expect(delivered).toEqual([1, 3]);
    // Our ack for 4 arrives before bob's 5; a repeated or stale ack changes nothing.
    sequencer.ownMessage(4);
    sequencer.ownMessage(4);
    sequencer.ownMessage(1);
    sequencer.accept(message(5));
    expect(delivered).toEqual([1, 3, 5]);
    expect(sequencer.lastSeq).toBe(5);
    clock.advance(WAIT_MS * 4);
    await settle();
    expect(fetches).toEqual([]);
    expect(gaps).toEqual([]);
  });

  test('an own number ahead of a real hole is not fetched: only the hole is', async () => {
    const { clock, sequencer, delivered, fetches } = harness();
    sequencer.expectJoin();
    sequencer.joined(0);
    sequencer.ownMessage(2);
    sequencer.accept(message(3));
    clock.advance(WAIT_MS);
    await settle();
    expect(fetches).toEqual([[1, 1]]);
    expect(delivered).toEqual([1, 3]);
  });

  test('delivers in order and drops duplicates, including those at or below the joined baseline', () => {
    const { sequencer, delivered, fetches } = harness();
    sequencer.expectJoin();
    sequencer.joined(3);
    [2, 3, 4, 5, 4, 6, 5].forEach((seq) => sequencer.accept(message(seq)));
    expect(delivered).toEqual([4, 5, 6]);
    expect(sequencer.lastSeq).toBe(6);
    expect(sequencer.waiting).toBe(0);
    expect(fetches).toEqual([]);
  });

  test('a message that skips ahead waits for the ones before it, without asking history when they come in time', () => {
    const { clock, sequencer, delivered, fetches } = harness();
    sequencer.joined(0);
    sequencer.accept(message(3));
    sequencer.accept(message(1));
    expect(delivered).toEqual([1]);
    clock.advance(WAIT_MS - 1);
    sequencer.accept(message(2));
    expect(delivered).toEqual([1, 2, 3]);
    clock.advance(10 * WAIT_MS);
    expect(fetches).toEqual([]);
    expect(clock.pendingDelays()).toEqual([]);
  });

  test('each step of progress restarts the wait, so a slow replay is not raced by history requests', () => {
    const { clock, sequencer, delivered, fetches } = harness();
    sequencer.joined(0);
    sequencer.accept(message(10));
    for (let seq = 1; seq <= 9; seq++) {
      clock.advance(WAIT_MS - 1);
      sequencer.accept(message(seq));
    }
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(fetches).toEqual([]);
  });

  test('live messages past a hole do not postpone its fill: history is asked after the wait, for exactly the hole', async () => {
    const { clock, sequencer, delivered, fetches } = harness();
    sequencer.joined(5);
    sequencer.accept(message(8));
    clock.advance(WAIT_MS / 2);
    sequencer.accept(message(9));
    clock.advance(WAIT_MS / 2 - 1);
    expect(fetches).toEqual([]);
    clock.advance(1);
    expect(fetches).toEqual([[6, 7]]);
    await settle();
    expect(delivered).toEqual([6, 7, 8, 9]);
    expect(clock.pendingDelays()).toEqual([]);
  });

  test('what history no longer has is reported as a gap, and what follows is delivered', async () => {
    // Retention passed for 6 and 7; 8 onwards are kept.
    const { clock, sequencer, delivered, gaps } = harness({ retained: (seq) => seq >= 8 });
    sequencer.joined(5);
    sequencer.accept(message(10));
    clock.advance(WAIT_MS);
    await settle();
    expect(gaps).toEqual([[6, 7]]);
    expect(delivered).toEqual([8, 9, 10]);
    expect(sequencer.lastSeq).toBe(10);
  });

  test('several holes: each is fetched, and each missing range is its own gap', async () => {
    const { clock, sequencer, delivered, gaps, fetches } = harness({ retained: (seq) => seq === 3 });
    sequencer.joined(0);
    [2, 4, 6].forEach((seq) => sequencer.accept(message(seq)));
    clock.advance(WAIT_MS);
    await settle();
    // One request per hole: what is held is not fetched again.
    expect(fetches).toEqual([
      [1, 1],
      [3, 3],
      [5, 5],
    ]);
    expect(gaps).toEqual([
      [1, 1],
      [5, 5],
    ]);
    expect(delivered).toEqual([2, 3, 4, 6]);
  });

  test('while a join is in flight, messages wait for its joined, whose seq is the baseline of a first join', () => {
    const { sequencer, delivered } = harness();
    sequencer.expectJoin();
    [7, 8, 9].forEach((seq) => sequencer.accept(message(seq)));
    expect(delivered).toEqual([]);
    sequencer.joined(8);
    expect(delivered).toEqual([9]);
  });

  test('a joined seq below the last delivered one means the counter restarted: it becomes the baseline', () => {
    const { sequencer, delivered } = harness();
    sequencer.joined(40);
    sequencer.accept(message(41));
    sequencer.accept(message(43));
    sequencer.expectJoin();
    sequencer.joined(2);
    expect(sequencer.lastSeq).toBe(2);
    sequencer.accept(message(3));
    expect(delivered).toEqual([41, 3]);
  });

  test('a joined seq at or above the last delivered one keeps it: the replay brings what was missed', () => {
    const { sequencer, delivered } = harness();
    sequencer.joined(4);
    sequencer.accept(message(5));
    sequencer.expectJoin();
    sequencer.joined(9);
    [6, 7, 8, 9].forEach((seq) => sequencer.accept(message(seq)));
    expect(delivered).toEqual([5, 6, 7, 8, 9]);
  });

  test("fills to a rejoin's joined.seq when the replay stops short, without waiting for another message", async () => {
    // 79 of 103 delivered, then the connection dropped; the rejoin's replay is cut at the time budget.
    const { clock, sequencer, delivered, fetches, gaps } = harness();
    sequencer.joined(0);
    for (let seq = 1; seq <= 79; seq++) sequencer.accept(message(seq));
    sequencer.connectionLost();
    sequencer.expectJoin();
    sequencer.joined(103, 24);
    expect(sequencer.fillingTo).toBe(103);
    // Two replayed messages arrive, then nothing: each arrival restarts the wait.
    sequencer.accept(message(80));
    clock.advance(WAIT_MS - 1);
    sequencer.accept(message(81));
    clock.advance(WAIT_MS - 1);
    expect(fetches).toEqual([]);
    clock.advance(1);
    expect(fetches).toEqual([[82, 103]]);
    await settle();
    expect(delivered).toHaveLength(103);
    expect(delivered.at(-1)).toBe(103);
    expect(gaps).toEqual([]);
    expect(sequencer.fillingTo).toBeUndefined();
    expect(clock.pendingDelays()).toEqual([]);
  });

  test('asks history at once when the rejoin replays nothing, and reports what history no longer has', async () => {
    const { sequencer, delivered, fetches, gaps } = harness({ retained: (seq) => seq > 7 });
    sequencer.joined(0);
    sequencer.accept(message(1));
    sequencer.expectJoin();
    sequencer.joined(9, 0);
    expect(fetches).toEqual([[2, 9]]);
    await settle();
    expect(gaps).toEqual([[2, 7]]);
    expect(delivered).toEqual([1, 8, 9]);
  });

  test('a complete replay reaches the target: nothing is fetched', async () => {
    const { clock, sequencer, fetches, delivered } = harness();
    sequencer.joined(0);
    sequencer.expectJoin();
    sequencer.joined(3, 3);
    [1, 2, 3].forEach((seq) => sequencer.accept(message(seq)));
    clock.advance(10 * WAIT_MS);
    await settle();
    expect(fetches).toEqual([]);
    expect(delivered).toEqual([1, 2, 3]);
  });

  test('while disconnected it does not ask history; after the rejoin it waits again', async () => {
    const { clock, sequencer, fetches, delivered } = harness();
    sequencer.joined(0);
    sequencer.accept(message(3));
    sequencer.connectionLost();
    clock.advance(10 * WAIT_MS);
    expect(fetches).toEqual([]);
    sequencer.expectJoin();
    sequencer.joined(3);
    clock.advance(WAIT_MS);
    expect(fetches).toEqual([[1, 2]]);
    await settle();
    expect(delivered).toEqual([1, 2, 3]);
  });

  test('a history request that times out is retried after another wait', async () => {
    let calls = 0;
    const { clock, sequencer, fetches, delivered, gaps } = harness({
      fetch: (from, to) => {
        calls += 1;
        if (calls === 1) return Promise.reject(new SwitchboardError('TIMEOUT', 'No reply'));
        return Promise.resolve([from, to].map(message));
      },
    });
    sequencer.joined(0);
    sequencer.accept(message(3));
    clock.advance(WAIT_MS);
    await settle();
    expect(delivered).toEqual([]);
    clock.advance(WAIT_MS);
    await settle();
    expect(fetches).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(delivered).toEqual([1, 2, 3]);
    expect(gaps).toEqual([]);
  });

  test('a history request lost with the connection waits for the rejoin; one refused for good reports the gap', async () => {
    const lost = harness({ fetch: () => Promise.reject(new SwitchboardError('DISCONNECTED', 'dropped')) });
    lost.sequencer.joined(0);
    lost.sequencer.accept(message(2));
    lost.clock.advance(WAIT_MS);
    await settle();
    expect(lost.gaps).toEqual([]);
    expect(lost.clock.pendingDelays()).toEqual([]);

    const refused = harness({ fetch: () => Promise.reject(new SwitchboardError('NOT_IN_ROOM', 'not a member')) });
    refused.sequencer.joined(0);
    refused.sequencer.accept(message(2));
    refused.clock.advance(WAIT_MS);
    await settle();
    expect(refused.gaps).toEqual([[1, 1]]);
    expect(refused.delivered).toEqual([2]);
  });

  test('after forget() (left the room) the next join starts from its own baseline', () => {
    const { sequencer, delivered } = harness();
    sequencer.joined(0);
    sequencer.accept(message(1));
    sequencer.accept(message(5));
    sequencer.forget();
    expect(sequencer.lastSeq).toBeUndefined();
    expect(sequencer.waiting).toBe(0);
    sequencer.expectJoin();
    sequencer.joined(20);
    sequencer.accept(message(21));
    expect(delivered).toEqual([1, 21]);
  });

  test('without a joined seq (an older server), the first message starts the sequence', () => {
    const { sequencer, delivered } = harness();
    sequencer.expectJoin();
    sequencer.joined(undefined);
    [12, 13, 13, 14].forEach((seq) => sequencer.accept(message(seq)));
    expect(delivered).toEqual([12, 13, 14]);
  });
});

/**
 * The model of the server the property runs against: messages 1..N, history keeping those above
 * `expired`. Each connection's session is a join (with `since` = the client's lastSeq), `joined`
 * with the counter, then the replay of retained messages above `since`, shuffled with live
 * frames, some duplicated and some dropped, time passing between frames. The connection then
 * drops, and the next one resumes. The last session's replay is complete (the server's promise),
 * though live frames still interleave, repeat, and go missing.
 */
const sessionArb = fc.record({
  /** How far the counter has come when this session joins (at most N). */
  progress: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
  /** Per frame: its order key, whether it is dropped, duplicated, and the ms that pass before it. */
  frames: fc.array(fc.record({ key: fc.nat(), dropped: fc.boolean(), duplicated: fc.boolean(), gapMs: fc.nat({ max: 2 * WAIT_MS }) }), {
    maxLength: 80,
  }),
});

const scenarioArb = fc.record({
  total: fc.integer({ min: 1, max: 60 }),
  /** History no longer keeps seqs up to this one (at most N). */
  expiredUpTo: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
  sessions: fc.array(sessionArb, { minLength: 1, maxLength: 5 }),
  /** Frames that arrive after their drop was decided, e.g. repeats of old seqs. */
  stale: fc.array(fc.nat(), { maxLength: 10 }),
});

interface Outcome {
  delivered: number[];
  gaps: Array<[number, number]>;
  baseline: number;
  total: number;
  expired: number;
  fetches: number;
}

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;
type Frame = Scenario['sessions'][number]['frames'][number];

async function run({ total, expiredUpTo, sessions, stale }: Scenario, options: { finalReplayCutAt?: number } = {}): Promise<Outcome> {
  const expired = Math.min(expiredUpTo, total);
  const h = harness({ retained: (seq) => seq > expired && seq <= total });
  let counter = 0;
  let finalCounter = 0;
  let baseline: number | undefined;
  for (const [index, session] of sessions.entries()) {
    const final = index === sessions.length - 1;
    // The counter only moves forward; the first join's counter is the client's baseline.
    const since = h.sequencer.lastSeq;
    // The counter is at least every seq the client has seen (a lower joined seq would mean a restart).
    counter = Math.max(counter, since ?? 0, Math.min(session.progress, total));
    h.sequencer.expectJoin();
    // Live frames already flowing before `joined` (the membership is written first).
    const live: number[] = [];
    for (let seq = counter + 1; seq <= total; seq++) live.push(seq);
    const replay: number[] = [];
    if (since !== undefined) for (let seq = since + 1; seq <= counter; seq++) if (seq > expired) replay.push(seq);
    // Order: the replay stays in order (posted one by one), live frames land anywhere among them.
    // The final replay is complete, unless it is cut short (the function's time budget).
    const cut = final && options.finalReplayCutAt !== undefined ? replay.slice(0, options.finalReplayCutAt % (replay.length + 1)) : replay;
    const arrivals = interleave(cut, live, session.frames, stale, final);
    h.sequencer.joined(counter, since === undefined ? undefined : replay.length);
    baseline ??= counter;
    if (final) finalCounter = counter;
    for (const { seq, gapMs } of arrivals) {
      h.clock.advance(gapMs);
      await settle();
      h.sequencer.accept(message(seq));
    }
    if (final) {
      // The last frame of the room arrives (else the client cannot know the room has more than
      // joined.seq), then time passes.
      if (options.finalReplayCutAt === undefined) h.sequencer.accept(message(total));
      for (let i = 0; i < 5; i++) {
        h.clock.advance(WAIT_MS);
        await settle();
      }
    } else {
      h.sequencer.connectionLost();
    }
  }
  const upTo = options.finalReplayCutAt === undefined ? total : finalCounter;
  return { delivered: h.delivered, gaps: h.gaps, baseline: baseline ?? 0, total: upTo, expired, fetches: h.fetches.length };
}

/** Shuffles live frames into the replay by their keys; drops and duplicates as the frames say. */
function interleave(
  replay: number[],
  live: number[],
  frames: Frame[],
  stale: number[],
  final: boolean,
): Array<{ seq: number; gapMs: number }> {
  const pick = (i: number): Frame => frames[i % Math.max(1, frames.length)] ?? { key: i, dropped: false, duplicated: false, gapMs: 0 };
  const keyed: Array<{ seq: number; order: number; gapMs: number }> = [];
  replay.forEach((seq, i) => {
    const frame = pick(i);
    // The final session's replay is complete; earlier ones may be cut short by the drop.
    if (!final && frame.dropped) return;
    keyed.push({ seq, order: i * 1000, gapMs: frame.gapMs });
    if (frame.duplicated) keyed.push({ seq, order: i * 1000 + 1, gapMs: 0 });
  });
  live.forEach((seq, i) => {
    const frame = pick(replay.length + i);
    if (frame.dropped) return;
    const order = (frame.key % (replay.length + 1)) * 1000 + 500 + i;
    keyed.push({ seq, order, gapMs: frame.gapMs });
    if (frame.duplicated) keyed.push({ seq, order: order + 0.5, gapMs: 0 });
  });
  stale.forEach((seq, i) =>
    keyed.push({ seq: 1 + (seq % Math.max(1, live.length + replay.length)), order: (seq % 7) * 1000 + 999 + i, gapMs: 0 }),
  );
  return keyed.sort((a, b) => a.order - b.order).map(({ seq, gapMs }) => ({ seq, gapMs }));
}

function expectExactlyOnceInOrder({ delivered, gaps, baseline, total, expired }: Outcome): void {
  // Strictly increasing: in order, and no seq twice.
  for (let i = 1; i < delivered.length; i++) expect(delivered[i]).toBeGreaterThan(delivered[i - 1]);
  // Every seq after the baseline is delivered or named by a gap, never both; gaps name only expired seqs.
  const accounted = new Map<number, string>();
  for (const seq of delivered) accounted.set(seq, 'delivered');
  for (const [from, to] of gaps) {
    for (let seq = from; seq <= to; seq++) {
      expect(accounted.has(seq)).toBe(false);
      expect(seq).toBeLessThanOrEqual(expired);
      accounted.set(seq, 'gap');
    }
  }
  // Beyond `total` (the last seq the client could know of) only live messages it happened to get.
  const expected = [];
  for (let seq = baseline + 1; seq <= total; seq++) expected.push(seq);
  expect([...accounted.keys()].filter((seq) => seq <= total).sort((a, b) => a - b)).toEqual(expected);
}

describe('RoomSequencer property: replay and live frames in any interleaving, with duplicates and drops', () => {
  test('the application gets each seq exactly once, in order; only expired seqs become gaps', async () => {
    const reached = { gaps: 0, fetches: 0, longest: 0, resumes: 0 };
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const outcome = await run(scenario);
        expectExactlyOnceInOrder(outcome);
        if (outcome.expired === 0) expect(outcome.gaps).toEqual([]);
        reached.gaps += outcome.gaps.length > 0 ? 1 : 0;
        reached.fetches += outcome.fetches > 0 ? 1 : 0;
        reached.longest = Math.max(reached.longest, outcome.delivered.length);
        reached.resumes += scenario.sessions.length > 1 ? 1 : 0;
      }),
      { numRuns: 400 },
    );
    // The generator reaches what the property claims to cover: gaps, history fills, resumes, long streams.
    expect(reached.gaps).toBeGreaterThan(30);
    expect(reached.fetches).toBeGreaterThan(100);
    expect(reached.resumes).toBeGreaterThan(200);
    expect(reached.longest).toBeGreaterThanOrEqual(50);
  });

  test('a final replay cut short anywhere, with no later message: everything up to joined.seq arrives once, in order', async () => {
    const reached = { cut: 0, filled: 0 };
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.nat({ max: 60 }), async (scenario, cutAt) => {
        const outcome = await run(scenario, { finalReplayCutAt: cutAt });
        expectExactlyOnceInOrder(outcome);
        if (outcome.expired === 0) expect(outcome.gaps).toEqual([]);
        reached.cut += scenario.sessions.length > 1 && outcome.total > outcome.baseline ? 1 : 0;
        reached.filled += outcome.fetches > 0 ? 1 : 0;
      }),
      { numRuns: 300 },
    );
    // Resumes that had something to fill, and filled it from history.
    expect(reached.cut).toBeGreaterThan(100);
    expect(reached.filled).toBeGreaterThan(100);
  });
});
