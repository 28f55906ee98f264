/**
 * A room's fan-out under the account's API Gateway request quota (`--account-rps`), through the
 * real `switchboard-local` with this app and real ws clients: three members send room messages at
 * once to a room of 50, far past what the quota lets through. Nothing is lost silently: every
 * message the gateway took is acked, and each ack's `delivered` is exactly the members that
 * received it, with every other member counted `failed` (the handlers retry 429 within their time
 * budget); every message the gateway throttled is answered "Too Many Requests" and reached no one.
 * The test prints what it measured.
 */
import { LOCAL_PATHS } from '../../protocol';
import { THROTTLED_MESSAGE } from '../../local/gateway/connections';
import { wsText } from '../../cli-kit/ws-text';
import { appAssembly } from '../support/app-assembly';
import { connect, type TestClient } from '../local/helpers';
import { startCli, type RunningCli } from '../local/cli/running-cli';
import { waitUntil } from './support';

jest.setTimeout(180_000);

const ROOM = 'quota-room';
const MEMBERS = 50;
const SENDERS = 3;
const MESSAGES_PER_SENDER = 5;
const ACCOUNT_RPS = 100;

interface Member {
  readonly client: TestClient;
  /** The `data` of every room message received. */
  readonly received: string[];
  /** Acks (carrying an `id`) and "Too Many Requests" frames, in the order the gateway answered. */
  readonly replies: Array<Record<string, unknown>>;
}

function track(client: TestClient): Member {
  const member: Member = { client, received: [], replies: [] };
  client.ws.on('message', (data) => {
    const frame = JSON.parse(wsText(data)) as Record<string, unknown>;
    if (frame.message === THROTTLED_MESSAGE || typeof frame.id === 'string') member.replies.push(frame);
    else if (frame.event === 'message' && frame.room === ROOM) member.received.push(String(frame.data));
  });
  return member;
}

/** The next reply (an ack with an id, or a throttled frame), waiting for it. */
async function nextReply(member: Member, index: number): Promise<Record<string, unknown>> {
  await waitUntil(() => member.replies.length > index, { timeoutMs: 60_000 });
  return member.replies[index];
}

/** Joins, trying again after a throttled join (the quota is shared with everything else). */
async function join(member: Member): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const index = member.replies.length;
    member.client.ws.send(JSON.stringify({ action: 'join', room: ROOM, id: `join-${attempt}` }));
    const reply = await nextReply(member, index);
    if (reply.event === 'joined') return;
    expect(reply).toMatchObject({ message: THROTTLED_MESSAGE });
    await new Promise((resolve) => setTimeout(resolve, 1000 / ACCOUNT_RPS));
  }
}

let cli: RunningCli;
afterAll(async () => {
  if (cli) expect(await cli.stop()).toBe(0);
});

test(`under --account-rps ${ACCOUNT_RPS}, a fan-out to ${MEMBERS} members loses nothing silently: acked, delivered or counted failed, or refused at the door`, async () => {
  // GIVEN this app under a quota of 100 requests/s (burst 50), and one user's 50 connections in a
  // room (one user, so joining sends no presence fan-out: the quota is the messages')
  cli = await startCli(['--assembly', appAssembly(), '--port', '0', '--account-rps', String(ACCOUNT_RPS)]);
  expect(cli.banner).toContain(`Limits        API Gateway ${ACCOUNT_RPS} requests/s (burst ${ACCOUNT_RPS / 2})`);
  const { token } = (await (await fetch(`${cli.httpUrl}${LOCAL_PATHS.token}?user=quota-tester`)).json()) as { token: string };
  const members: Member[] = [];
  for (let i = 0; i < MEMBERS; i++) members.push(track(await connect(`${cli.url}?token=${encodeURIComponent(token)}`)));
  for (const member of members) await join(member);

  // WHEN three members each send five room messages at once: 15 broadcasts of 49 posts, plus the 15 messages
  const senders = members.slice(0, SENDERS);
  const sent = senders.map((sender, s) => {
    const first = sender.replies.length;
    const data = Array.from({ length: MESSAGES_PER_SENDER }, (_, n) => `s${s}m${n}`);
    for (const d of data) sender.client.ws.send(JSON.stringify({ action: 'message', room: ROOM, data: d, id: d }));
    return { sender, first, data };
  });
  const outcomes: Array<{ data: string; sender: Member; reply: Record<string, unknown> }> = [];
  for (const { sender, first, data } of sent) {
    for (let n = 0; n < data.length; n++) outcomes.push({ data: data[n], sender, reply: await nextReply(sender, first + n) });
  }

  // THEN each message got its answer in turn: an ack for it, or the gateway's "Too Many Requests"
  const acked = outcomes.filter((o) => o.reply.id !== undefined);
  const throttled = outcomes.filter((o) => o.reply.message === THROTTLED_MESSAGE);
  expect(acked.length + throttled.length).toBe(SENDERS * MESSAGES_PER_SENDER);
  for (const { data, reply } of acked) {
    expect(reply).toMatchObject({ event: 'message', id: data, room: ROOM, delivered: expect.any(Number) });
    // Every other member is counted: reached, or failed after the retries.
    expect((reply.delivered as number) + ((reply.failed as number | undefined) ?? 0)).toBe(MEMBERS - 1);
  }

  // AND each ack's delivered is exactly the members that received that message; a throttled one reached no one; none came twice
  const receivers = (o: { data: string; sender: Member }) => members.filter((m) => m !== o.sender && m.received.includes(o.data)).length;
  await waitUntil(() => acked.every((o) => receivers(o) === o.reply.delivered), { timeoutMs: 20_000, returnOnTimeout: true });
  expect(acked.map((o) => receivers(o))).toEqual(acked.map((o) => o.reply.delivered));
  expect(throttled.map((o) => receivers(o))).toEqual(throttled.map(() => 0));
  for (const m of members) expect(new Set(m.received).size).toBe(m.received.length);

  // AND the quota really throttled: posts were answered 429 (and retried, or counted failed)
  const posts429 = [...cli.stdout().matchAll(/^@connections POST +\S+ 429$/gm)].length;
  expect(posts429).toBeGreaterThan(0);

  const delivered = acked.reduce((sum, o) => sum + (o.reply.delivered as number), 0);
  const failed = acked.reduce((sum, o) => sum + ((o.reply.failed as number | undefined) ?? 0), 0);
  console.log(
    `--account-rps ${ACCOUNT_RPS}: ${SENDERS} senders x ${MESSAGES_PER_SENDER} room messages to ${MEMBERS} members; ` +
      `${acked.length} acked (delivered ${delivered}, failed ${failed}), ${throttled.length} throttled at the gateway; ` +
      `posts answered 429: ${posts429}; nothing lost silently`,
  );
  for (const m of members) m.client.ws.close();
});
