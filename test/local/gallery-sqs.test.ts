/**
 * An app with an SQS-driven function (fixtures/gallery-sqs.ts), run unchanged through the real
 * CLI: a route handler sends to a FIFO queue with a default SQSClient, a worker on an event source
 * mapping posts each body back to the sender, a record that fails is redelivered after the
 * visibility timeout while the others are deleted (ReportBatchItemFailures), and after two
 * receives it lands in the dead-letter queue, whose worker reports it. A real ws client sees it all.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';
import { writeSqsGalleryApp } from './fixtures/gallery-sqs';
import { connect } from './helpers';

const BIN = path.resolve(__dirname, '../../local/bin/switchboard-local.js');

let tmp: string;
let child: ChildProcessWithoutNullStreams;
let stdout = '';
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-gallery-sqs-'));
  const dir = writeSqsGalleryApp(path.join(tmp, 'app'));
  child = spawn(process.execPath, [BIN, '--assembly', dir, '--port', '0']);
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => {
      if (/Try: npx wscat/.test(stdout)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before its banner: ${stdout}`)));
  });
});
afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  rmSync(tmp, { recursive: true, force: true });
});

test('the banner names the SQS endpoint, the queues and what polls them', () => {
  expect(stdout).toMatch(
    / {2}SQS {11}http:\/\/127\.0\.0\.1:\d+ \(AWS_ENDPOINT_URL_SQS; functions reach it as sqs\.us-east-1\.amazonaws\.com\)/,
  );
  expect(stdout).toMatch(
    /Queue {9}https:\/\/sqs\.us-east-1\.amazonaws\.com\/123456789012\/Gallery-WorkQueue-[A-Z0-9]{12}\.fifo \(FIFO; dead letters after 2 receives\)/,
  );
  expect(stdout).toMatch(
    /Polling {7}Gallery-WorkQueue-[A-Z0-9]{12}\.fifo -> Gallery-Worker \(batch 10, ReportBatchItemFailures, 2 at once\)/,
  );
});

test('messages go through the queue to the worker and back in order; a failing one is redelivered, then dead-lettered', async () => {
  const url = /WebSocket\s+(ws:\/\/\S+)/.exec(stdout)![1];
  const client = await connect(url);
  client.ws.send(
    JSON.stringify({
      action: 'enqueue',
      messages: [
        { group: 'a', text: 'one' },
        { group: 'b', text: 'poison' },
        { group: 'a', text: 'two' },
      ],
    }),
  );

  // One batch: group a in order, then group b, whose record fails and is reported; the rest are deleted.
  expect([await client.next(), await client.next(), await client.next()]).toEqual(['one', 'two', 'failed poison (receive 1)']);
  // After the visibility timeout, the failed record alone comes again.
  expect(await client.next()).toBe('failed poison (receive 2)');
  // At its third receive it has been received maxReceiveCount times: it moves to the dead-letter queue.
  expect(await client.next()).toBe('dead poison');

  const endpoint = /SQS\s+(http:\/\/\S+)/.exec(stdout)![1];
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const [work] = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'Gallery-WorkQueue' }))).QueueUrls!;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: work,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  sqs.destroy();
  client.ws.close();
});
