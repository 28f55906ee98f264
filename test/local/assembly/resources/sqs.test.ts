import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { SQS_QUEUE_DEFAULTS } from '../../../../local/assembly/resources/sqs';
import { editHandTemplate, writeHandAssembly, type HandTemplate } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-sqs-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let count = 0;
function appWith(edit: (template: HandTemplate) => void) {
  return loadWebSocketApp(editHandTemplate(writeHandAssembly(path.join(tmp, `app${count++}`)), edit));
}

describe('AWS::SQS::Queue', () => {
  test('named by QueueName; Ref is the queue URL; Arn, QueueName and QueueUrl answer from that name', () => {
    const app = appWith((template) => {
      template.Resources.Jobs = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } };
      template.Outputs = {
        Ref: { Value: { Ref: 'Jobs' } },
        Arn: { Value: { 'Fn::GetAtt': ['Jobs', 'Arn'] } },
        Name: { Value: { 'Fn::GetAtt': ['Jobs', 'QueueName'] } },
        Url: { Value: { 'Fn::GetAtt': ['Jobs', 'QueueUrl'] } },
      };
    });

    const url = `https://sqs.${app.region}.amazonaws.com/123456789012/jobs`;
    expect(app.outputs).toEqual({ Ref: url, Arn: `arn:aws:sqs:${app.region}:123456789012:jobs`, Name: 'jobs', Url: url });
    expect(app.queues).toEqual([
      expect.objectContaining({
        logicalId: 'Jobs',
        queueName: 'jobs',
        queueUrl: url,
        arn: `arn:aws:sqs:${app.region}:123456789012:jobs`,
        fifo: false,
      }),
    ]);
  });

  test("without a name, CloudFormation's pattern: <stack>-<logical id>-<12 characters>, .fifo for a FIFO queue, at most 80 characters, the same on every read", () => {
    const edit = (template: HandTemplate) => {
      template.Resources.Plain = { Type: 'AWS::SQS::Queue', Properties: {} };
      template.Resources.Ordered = { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } };
      template.Resources[`Long${'X'.repeat(90)}`] = { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: 'true' } };
    };
    const [plain, ordered, long] = appWith(edit).queues.map((q) => q.queueName);

    expect(plain).toMatch(/^Hand-Plain-[A-Z0-9]{12}$/);
    expect(ordered).toMatch(/^Hand-Ordered-[A-Z0-9]{12}\.fifo$/);
    expect(long).toMatch(/^Hand-LongX+-[A-Z0-9]{12}\.fifo$/);
    expect(long).toHaveLength(80);
    expect(appWith(edit).queues.map((q) => q.queueName)).toEqual([plain, ordered, long]);
  });

  test("attributes the template leaves out get SQS's defaults; set ones, numbers or strings, are kept; the redrive policy names its dead-letter queue", () => {
    const app = appWith((template) => {
      template.Resources.Dlq = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'rooms-dlq.fifo', FifoQueue: true } };
      template.Resources.Rooms = {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'rooms.fifo',
          FifoQueue: true,
          ContentBasedDeduplication: true,
          DeduplicationScope: 'messageGroup',
          FifoThroughputLimit: 'perMessageGroupId',
          VisibilityTimeout: '60',
          MessageRetentionPeriod: 3600,
          DelaySeconds: 5,
          ReceiveMessageWaitTimeSeconds: 20,
          MaximumMessageSize: 2048,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: '3' },
        },
      };
    });

    const [dlq, rooms] = app.queues;
    expect(SQS_QUEUE_DEFAULTS).toEqual({
      visibilityTimeoutSeconds: 30,
      messageRetentionSeconds: 345_600,
      delaySeconds: 0,
      receiveMessageWaitSeconds: 0,
      maximumMessageSize: 1_048_576,
    });
    expect(dlq).toMatchObject({ ...SQS_QUEUE_DEFAULTS, fifo: true, contentBasedDeduplication: false, deduplicationScope: 'queue' });
    expect(dlq.redrivePolicy).toBeUndefined();
    expect(rooms).toMatchObject({
      fifo: true,
      contentBasedDeduplication: true,
      deduplicationScope: 'messageGroup',
      fifoThroughputLimit: 'perMessageGroupId',
      visibilityTimeoutSeconds: 60,
      messageRetentionSeconds: 3600,
      delaySeconds: 5,
      receiveMessageWaitSeconds: 20,
      maximumMessageSize: 2048,
      redrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 },
    });
    expect(app.warnings).toEqual([]);
  });

  test('a name and FifoQueue that disagree, and a dead-letter queue AWS would refuse, are warned about', () => {
    const app = appWith((template) => {
      template.Resources.Misnamed = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders', FifoQueue: true } };
      template.Resources.Standard = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'standard-dlq' } };
      template.Resources.Fifo = {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'work.fifo',
          FifoQueue: true,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Standard', 'Arn'] }, maxReceiveCount: 2 },
        },
      };
      template.Resources.Elsewhere = {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'elsewhere',
          RedrivePolicy: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:111122223333:other', maxReceiveCount: 2 },
        },
      };
    });

    expect(app.warnings).toEqual([
      expect.stringContaining('queue Misnamed: a FIFO queue\'s name must end in ".fifo"'),
      expect.stringContaining('queue Fifo: its dead-letter queue standard-dlq must be a FIFO queue'),
      expect.stringContaining(
        'queue Elsewhere: its dead-letter queue arn:aws:sqs:us-east-1:111122223333:other is not a queue of this stack',
      ),
    ]);
  });
});
