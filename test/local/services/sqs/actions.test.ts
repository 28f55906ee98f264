/** Long polling on the emulator's clock: answered by a message, by the wait ending, by the caller leaving, or by the service stopping. */
import type { QueueSpec } from '../../../../local/assembly/app-spec';
import { SQS_QUEUE_DEFAULTS } from '../../../../local/assembly/resources/sqs';
import { allowEverything } from '../../../../local/iam/authority';
import { PrincipalDirectory } from '../../../../local/iam/principals';
import { SqsActions } from '../../../../local/services/sqs/actions';
import { QueueDirectory } from '../../../../local/services/sqs/queues';
import { ManualClock } from '../../../support/manual-clock';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs';
const spec: QueueSpec = {
  logicalId: 'Jobs',
  queueName: 'jobs',
  queueUrl: QUEUE_URL,
  arn: 'arn:aws:sqs:us-east-1:123456789012:jobs',
  fifo: false,
  ...SQS_QUEUE_DEFAULTS,
  contentBasedDeduplication: false,
  deduplicationScope: 'queue',
  fifoThroughputLimit: 'perQueue',
};
const developer = { kind: 'developer' } as const;

let clock: ManualClock;
let actions: SqsActions;
beforeEach(() => {
  clock = new ManualClock(1_700_000_000_000);
  const app = { stackName: 'S', region: 'us-east-1', accountId: '123456789012' };
  actions = new SqsActions(new QueueDirectory([spec], app.accountId, clock), allowEverything(new PrincipalDirectory(app, [])), clock, app);
});

const receive = (signal?: AbortSignal) =>
  actions.run('ReceiveMessage', { input: { QueueUrl: QUEUE_URL, WaitTimeSeconds: 20 }, principal: developer, signal });
const send = (body: string) => actions.run('SendMessage', { input: { QueueUrl: QUEUE_URL, MessageBody: body }, principal: developer });

/** Whether a promise has settled, after pending callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

test('a long poll waits on the clock for a message and takes it when it comes', async () => {
  const polling = receive();
  clock.advance(19_999);
  expect(await settled(polling)).toBe(false);
  await send('hello');
  expect(await polling).toEqual({ Messages: [expect.objectContaining({ Body: 'hello' })] });
});

test('a long poll with no message ends empty when WaitTimeSeconds is over', async () => {
  const polling = receive();
  clock.advance(20_000);
  expect(await polling).toEqual({});
});

test('a caller that leaves ends its poll, and a message sent after is left for the next receive', async () => {
  const leaving = new AbortController();
  const polling = receive(leaving.signal);
  leaving.abort();
  expect(await polling).toEqual({});
  await send('later');
  expect(await actions.run('ReceiveMessage', { input: { QueueUrl: QUEUE_URL }, principal: developer })).toEqual({
    Messages: [expect.objectContaining({ Body: 'later' })],
  });
});

test('stopping the service ends every waiting poll', async () => {
  const polls = [receive(), receive()];
  actions.stop();
  expect(await Promise.all(polls)).toEqual([{}, {}]);
  expect(clock.pendingDelays()).toEqual([]);
});
