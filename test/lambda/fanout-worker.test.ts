import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { SQSRecord } from 'aws-lambda';
import { FanoutQueue, fanoutGroupId, parseFanoutJob, type FanoutJob } from '../../lambda/core/fanout-queue';
import { makeHandler } from '../../lambda/handlers/fanout';
import { handlerDeps, lambdaContext, mockAwsClients } from './support/handler-harness';

const sqs = mockClient(SQSClient);
const queue = new FanoutQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs.local/q.fifo', {
  retry: { sleep: () => Promise.resolve() },
});
const { ddb, api } = mockAwsClients();

beforeEach(() => sqs.reset());

const job = (shard: number, extra: Partial<FanoutJob> = {}): FanoutJob => ({
  room: 'arena',
  shard,
  shards: 4,
  frame: '{"event":"message","room":"arena","seq":9}',
  exclude: 'SENDER',
  seq: 9,
  ts: 1_000,
  ...extra,
});

describe('FanoutQueue', () => {
  it('sends jobs 10 per SendMessageBatch, grouped by room and shard, deduplicated by seq', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await queue.enqueue(Array.from({ length: 23 }, (_, shard) => job(shard, { shards: 32 })));
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    const first = batches[0][0];
    expect(first).toMatchObject({ MessageGroupId: 'arena#0', MessageDeduplicationId: 'seq-9' });
    expect(parseFanoutJob(first.MessageBody!)).toEqual(job(0, { shards: 32 }));
    expect(fanoutGroupId('arena', 7)).toBe('arena#7');
  });

  it('sends the failed entries of a batch again, and throws when SQS keeps refusing one as the sender’s fault', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
      })
      .resolves({ Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: '' }], Failed: [] });
    await queue.enqueue([job(0), job(1)]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[1].args[0].input.Entries!.map((e) => e.Id)).toEqual(['1']);

    sqs.reset();
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true }] });
    await expect(queue.enqueue([job(0)])).rejects.toThrow('The fan-out queue refused 1 job(s): InvalidParameterValue');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  it('gives a presence or signal job (no seq) a dedup id of its own', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await queue.enqueue([job(0, { seq: undefined }), job(0, { seq: undefined })]);
    const ids = sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input.Entries!.map((e) => e.MessageDeduplicationId);
    expect(new Set(ids).size).toBe(2);
  });

  it('refuses a job body that is not one', () => {
    expect(() => parseFanoutJob('nope')).toThrow('not JSON');
    expect(() => parseFanoutJob(JSON.stringify({ ...job(0), shard: 4 }))).toThrow('lacks room, shard (below shards)');
  });
});

function record(id: string, body: FanoutJob | string, receives = 1): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receives),
      MessageGroupId: typeof body === 'string' ? 'x' : fanoutGroupId(body.room, body.shard),
    } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q.fifo',
    awsRegion: 'us-east-1',
  };
}

describe('the fan-out worker', () => {
  const worker = () => makeHandler({ ...handlerDeps(), routing: { queue }, now: () => 5_000 });

  it('posts its shard’s frame to every member of the shard but the one it excludes, and reports nothing failed', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'SENDER' }, { connectionId: 'M1' }, { connectionId: 'M2' }] });
    // A layout of 1: every row is in shard 0 of 1, whatever the job's shard of 1.
    const result = await worker()({ Records: [record('r1', job(0, { shards: 1 }))] }, lambdaContext);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(
      api
        .commandCalls(PostToConnectionCommand)
        .map((c) => c.args[0].input.ConnectionId)
        .sort(),
    ).toEqual(['M1', 'M2']);
  });

  it('reports a job whose posts failed, hands it out again soon, and fails the later jobs of its group without running them', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'M1' }] });
    api
      .on(PostToConnectionCommand)
      .rejects(Object.assign(new Error('boom'), { name: 'BadRequestException', $metadata: { httpStatusCode: 400 } }));
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const first = job(0, { shards: 1 });
    const later = job(0, { shards: 1, seq: 10 });
    const result = await worker()({ Records: [record('r1', first, 2), record('r2', later)] }, lambdaContext);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['r1', 'r2']);
    // Only the first job was tried; the second waits behind it, in order.
    expect(api).toHaveReceivedCommandTimes(PostToConnectionCommand, 1);
    const visibility = sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
    expect(visibility).toHaveLength(1);
    expect(visibility[0]).toMatchObject({ ReceiptHandle: 'handle-r1' });
    expect(visibility[0].VisibilityTimeout).toBeGreaterThanOrEqual(1);
    expect(visibility[0].VisibilityTimeout).toBeLessThanOrEqual(1 + 4);
  });

  it('reports an unreadable job, so it reaches the dead-letter queue instead of vanishing', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const result = await worker()({ Records: [record('bad', 'not a job')] }, lambdaContext);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
  });

  it('prunes a member that answers 410 from the layout its row was read in', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ connectionId: 'GONE' }] });
    ddb.on(GetCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    ddb.on(BatchWriteCommand).resolves({});
    api.on(PostToConnectionCommand).rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
    const result = await worker()({ Records: [record('r1', job(0, { shards: 1 }))] }, lambdaContext);
    expect(result).toEqual({ batchItemFailures: [] });
    const deleted = ddb.commandCalls(BatchWriteCommand).flatMap((c) => Object.values(c.args[0].input.RequestItems!).flat());
    expect(JSON.stringify(deleted)).toContain('"pk":"ROOM#arena","sk":"CONN#GONE"');
  });
});
