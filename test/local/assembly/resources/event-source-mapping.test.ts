/** AWS::Lambda::EventSourceMapping from the stack's SQS queues (local/assembly/resources/lambda.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { editHandTemplate, writeHandAssembly, type HandTemplate } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-esm-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let count = 0;
/** The hand assembly (its EchoFn times out after Lambda's default 3 s) with a standard and a FIFO queue, and `mappings`. */
function appWith(mappings: Record<string, Record<string, unknown>>, edit: (template: HandTemplate) => void = () => undefined) {
  const dir = editHandTemplate(writeHandAssembly(path.join(tmp, `app${count++}`)), (template) => {
    template.Resources.Jobs = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } };
    template.Resources.Rooms = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'rooms.fifo', FifoQueue: true } };
    for (const [id, properties] of Object.entries(mappings))
      template.Resources[id] = { Type: 'AWS::Lambda::EventSourceMapping', Properties: properties };
    edit(template);
  });
  return loadWebSocketApp(dir);
}

const jobsArn = { 'Fn::GetAtt': ['Jobs', 'Arn'] };
const roomsArn = { 'Fn::GetAtt': ['Rooms', 'Arn'] };

describe('AWS::Lambda::EventSourceMapping', () => {
  test("a mapping from a queue of the stack gets Lambda's defaults: batches of 10, no batching window, no partial failures, enabled", () => {
    const app = appWith({ Mapping: { EventSourceArn: jobsArn, FunctionName: { Ref: 'EchoFn' } } });

    expect(app.eventSourceMappings).toEqual([
      {
        logicalId: 'Mapping',
        functionLogicalId: 'EchoFn',
        queueArn: app.queues[0].arn,
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: false,
        enabled: true,
      },
    ]);
  });

  test('FunctionName as an ARN (qualified or not) or a name; the settings it reads', () => {
    const app = appWith({
      ByArn: {
        EventSourceArn: jobsArn,
        FunctionName: { 'Fn::GetAtt': ['EchoFn', 'Arn'] },
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 2,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      },
      ByQualifiedArn: {
        EventSourceArn: roomsArn,
        FunctionName: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['EchoFn', 'Arn'] }, ':$LATEST']] },
        Enabled: false,
      },
      ByName: { EventSourceArn: jobsArn, FunctionName: 'Hand-EchoFn', BatchSize: '5' },
    });

    expect(app.warnings).toEqual([]);
    expect(app.eventSourceMappings).toEqual([
      expect.objectContaining({
        logicalId: 'ByArn',
        functionLogicalId: 'EchoFn',
        batchSize: 100,
        maximumBatchingWindowSeconds: 2,
        reportBatchItemFailures: true,
        maximumConcurrency: 2,
      }),
      expect.objectContaining({ logicalId: 'ByQualifiedArn', functionLogicalId: 'EchoFn', queueArn: app.queues[1].arn, enabled: false }),
      expect.objectContaining({ logicalId: 'ByName', functionLogicalId: 'EchoFn', batchSize: 5 }),
    ]);
  });

  test('a mapping AWS would refuse, or from a source the emulator does not poll, is left out with a warning saying why', () => {
    const app = appWith(
      {
        Stream: { EventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/events', FunctionName: { Ref: 'EchoFn' } },
        FifoBatch: { EventSourceArn: roomsArn, FunctionName: { Ref: 'EchoFn' }, BatchSize: 11 },
        NoWindow: { EventSourceArn: jobsArn, FunctionName: { Ref: 'EchoFn' }, BatchSize: 11 },
        TooFew: { EventSourceArn: jobsArn, FunctionName: { Ref: 'EchoFn' }, ScalingConfig: { MaximumConcurrency: 1 } },
        Slow: { EventSourceArn: { 'Fn::GetAtt': ['Short', 'Arn'] }, FunctionName: { Ref: 'EchoFn' } },
        Nobody: { EventSourceArn: jobsArn, FunctionName: 'not-a-function' },
      },
      (template) => {
        template.Resources.Short = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'short', VisibilityTimeout: 2 } };
      },
    );

    expect(app.eventSourceMappings).toEqual([]);
    expect(app.warnings).toEqual([
      expect.stringMatching(/^event source mapping Stream is not run: its source arn:aws:kinesis:.* is not an SQS queue of this stack/),
      'event source mapping FifoBatch is not run: BatchSize 11 must be from 1 to 10 for a FIFO queue',
      'event source mapping NoWindow is not run: a BatchSize over 10 needs MaximumBatchingWindowInSeconds of at least 1',
      'event source mapping TooFew is not run: ScalingConfig.MaximumConcurrency 1 must be from 2 to 1000',
      "event source mapping Slow is not run: the queue's visibility timeout (2 s) is shorter than the function's timeout (3 s)",
      'event source mapping Nobody is not run: its FunctionName "not-a-function" names no function the emulator runs',
    ]);
  });
});
