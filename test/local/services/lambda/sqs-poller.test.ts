/**
 * Lambda's SQS poller on a manual clock, with invocations the test answers: batch size and
 * batching window, the SQS event's shape, what is deleted after success, failure and partial
 * failure, FIFO order across batches, concurrency, and when it is idle.
 */
import type { EventSourceMappingSpec, QueueSpec } from '../../../../local/assembly/app-spec';
import { SQS_QUEUE_DEFAULTS } from '../../../../local/assembly/resources/sqs';
import type { InvokeResult } from '../../../../local/runtime/runtime';
import { SqsPoller, failedRecords, type SqsEventRecord } from '../../../../local/services/lambda/sqs-poller';
import { md5Hex, md5OfAttributes } from '../../../../local/services/sqs/message';
import { Queue } from '../../../../local/services/sqs/queue';
import { ManualClock } from '../../../support/manual-clock';

const START = 1_700_000_000_000;

function queueSpec(name: string, overrides: Partial<QueueSpec> = {}): QueueSpec {
  return {
    logicalId: name,
    queueName: name,
    queueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`,
    arn: `arn:aws:sqs:eu-west-1:123456789012:${name}`,
    fifo: name.endsWith('.fifo'),
    ...SQS_QUEUE_DEFAULTS,
    contentBasedDeduplication: true,
    deduplicationScope: 'queue',
    fifoThroughputLimit: 'perQueue',
    ...overrides,
  };
}

/** An invocation the test has not answered yet. */
interface Call {
  readonly records: SqsEventRecord[];
  answer(result: unknown): void;
  fail(): void;
}

let clock: ManualClock;
let calls: Call[];
let logs: string[];

function poller(queue: Queue, mapping: Partial<EventSourceMappingSpec> = {}): SqsPoller {
  return new SqsPoller({
    mapping: {
      logicalId: 'Mapping',
      functionLogicalId: 'Worker',
      queueArn: queue.spec.arn,
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: false,
      enabled: true,
      ...mapping,
    },
    queue,
    functionName: 'worker',
    region: 'eu-west-1',
    clock,
    log: (line) => logs.push(line),
    invoke: (_id, event) =>
      new Promise<InvokeResult>((resolve) => {
        calls.push({
          records: (event as { Records: SqsEventRecord[] }).Records,
          answer: (result) => resolve({ ok: true, requestId: 'r', durationMs: 1, result }),
          fail: () => resolve({ ok: false, requestId: 'r', durationMs: 1, error: { errorType: 'Error', errorMessage: 'boom', trace: [] } }),
        });
      }),
  });
}

const send = (queue: Queue, body: string, groupId?: string) =>
  queue.send({ body, md5OfBody: md5Hex(body), messageAttributes: {}, systemAttributes: {}, senderId: 'AROAEXAMPLE:sender', groupId });

/** Lets queued callbacks (the queue's notices, settled invocations) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const bodies = (call: Call) => call.records.map((r) => r.body);

beforeEach(() => {
  clock = new ManualClock(START);
  calls = [];
  logs = [];
});

test("each batch is one invocation with Lambda's SQS event; success deletes the batch", async () => {
  const queue = new Queue(queueSpec('jobs'), clock);
  const attributes = { kind: { dataType: 'String', stringValue: 'greeting' } };
  queue.send({
    body: 'hello',
    md5OfBody: md5Hex('hello'),
    messageAttributes: attributes,
    md5OfMessageAttributes: md5OfAttributes(attributes),
    systemAttributes: {},
    senderId: 'AROAEXAMPLE:sender',
  });
  const polling = poller(queue);
  polling.start();

  expect(calls).toHaveLength(1);
  expect(calls[0].records).toEqual([
    {
      messageId: expect.any(String) as string,
      receiptHandle: expect.stringMatching(/^AQEB/) as string,
      body: 'hello',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(START),
        SenderId: 'AROAEXAMPLE:sender',
        ApproximateFirstReceiveTimestamp: String(START),
      },
      messageAttributes: { kind: { stringValue: 'greeting', stringListValues: [], binaryListValues: [], dataType: 'String' } },
      md5OfBody: md5Hex('hello'),
      md5OfMessageAttributes: md5OfAttributes(attributes),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:jobs',
      awsRegion: 'eu-west-1',
    },
  ]);
  expect(polling.idle).toBe(false);
  calls[0].answer(null);
  await flush();
  expect(queue.isEmpty).toBe(true);
  expect(polling.idle).toBe(true);
  expect(logs).toEqual([expect.stringMatching(/^SQS {8}jobs -> worker 1 message ok 1\.0ms$/)]);
});

test('up to BatchSize messages a batch; the batching window waits for more until it ends or the batch is full', async () => {
  const queue = new Queue(queueSpec('jobs'), clock);
  const polling = poller(queue, { batchSize: 15, maximumBatchingWindowSeconds: 5 });
  polling.start();
  for (const body of ['a', 'b', 'c']) send(queue, body);
  await flush();
  expect(calls).toHaveLength(0);
  clock.advance(4999);
  await flush();
  expect(calls).toHaveLength(0);
  clock.advance(1);
  expect(calls.map(bodies)).toEqual([['a', 'b', 'c']]);

  for (let i = 0; i < 16; i++) send(queue, `m${i}`);
  await flush();
  // 15 fill a batch at once; the 16th waits for the window.
  expect(calls.map((c) => c.records.length)).toEqual([3, 15]);
  clock.advance(5000);
  expect(calls.map((c) => c.records.length)).toEqual([3, 15, 1]);
});

test('a failed invocation leaves its batch to the visibility timeout, then it comes again', async () => {
  const queue = new Queue(queueSpec('jobs', { visibilityTimeoutSeconds: 30 }), clock);
  poller(queue).start();
  send(queue, 'a');
  await flush();
  calls[0].fail();
  await flush();
  expect(queue.counts()).toEqual({ visible: 0, inflight: 1, delayed: 0 });
  expect(logs[0]).toContain('jobs -> worker 1 message failed: Error: boom');

  clock.advance(30_000);
  await flush();
  expect(calls).toHaveLength(2);
  expect(calls[1].records[0]).toMatchObject({ body: 'a', attributes: { ApproximateReceiveCount: '2' } });
});

test('with ReportBatchItemFailures, all but the named records are deleted; a response naming no record of the batch fails it whole', async () => {
  const queue = new Queue(queueSpec('jobs', { visibilityTimeoutSeconds: 30 }), clock);
  poller(queue, { reportBatchItemFailures: true }).start();
  for (const body of ['a', 'b', 'c']) send(queue, body);
  await flush();
  const [first] = calls;
  first.answer({ batchItemFailures: [{ itemIdentifier: first.records[1].messageId }] });
  await flush();
  expect(queue.counts()).toEqual({ visible: 0, inflight: 1, delayed: 0 });

  clock.advance(30_000);
  await flush();
  expect(bodies(calls[1])).toEqual(['b']);
  calls[1].answer({ batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] });
  await flush();
  expect(queue.counts().inflight).toBe(1);
  expect(logs.at(-1)).toContain('the whole batch failed');
});

test('failedRecords reads the response as Lambda does', () => {
  const records = [{ messageId: 'm1' }, { messageId: 'm2' }] as SqsEventRecord[];
  expect(failedRecords(undefined, records)).toEqual(new Set());
  expect(failedRecords({}, records)).toEqual(new Set());
  expect(failedRecords({ batchItemFailures: [] }, records)).toEqual(new Set());
  expect(failedRecords({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, records)).toEqual(new Set(['m2']));
  expect(failedRecords({ batchItemFailures: [{ itemIdentifier: '' }] }, records)).toBe('all');
  expect(failedRecords({ batchItemFailures: [{ id: 'm1' }] }, records)).toBe('all');
  expect(failedRecords({ batchItemFailures: 'm1' }, records)).toBe('all');
  expect(failedRecords('ok', records)).toBe('all');
});

test('at most MaximumConcurrency batches run at once; FIFO groups stay in order across batches', async () => {
  const queue = new Queue(queueSpec('rooms.fifo'), clock);
  poller(queue, { batchSize: 1, maximumConcurrency: 2 }).start();
  for (const [group, body] of [
    ['r1', 'r1-a'],
    ['r2', 'r2-a'],
    ['r1', 'r1-b'],
    ['r3', 'r3-a'],
  ])
    send(queue, body, group);
  await flush();
  // Two at once, each from a group of its own; r1-b waits for r1-a to be done, r3-a for room to run.
  expect(calls.map(bodies)).toEqual([['r1-a'], ['r2-a']]);
  calls[0].answer(null);
  await flush();
  // Group r1 is free again, and lines up behind r3, which waited longer.
  expect(calls.map(bodies)).toEqual([['r1-a'], ['r2-a'], ['r3-a']]);
  calls[1].answer(null);
  await flush();
  expect(calls.map(bodies)).toEqual([['r1-a'], ['r2-a'], ['r3-a'], ['r1-b']]);
});

test('whenIdle resolves once the queue has nothing to receive and no batch runs; a stopped poller takes nothing more', async () => {
  const queue = new Queue(queueSpec('jobs'), clock);
  const polling = poller(queue);
  polling.start();
  send(queue, 'a');
  await flush();
  let idle = false;
  void polling.whenIdle().then(() => (idle = true));
  await flush();
  expect(idle).toBe(false);
  calls[0].answer(undefined);
  await flush();
  expect(idle).toBe(true);

  polling.stop();
  send(queue, 'b');
  await flush();
  expect(calls).toHaveLength(1);
  expect(polling.idle).toBe(true);
});
