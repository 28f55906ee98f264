import * as fs from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../contract/environment';
import { FANOUT_DEFAULTS } from '../../contract/defaults';
import { FANOUT_WORKER_DEFINITION, PUBLISH_FUNCTION_DEFINITION, ROUTES } from '../../lib/routes';
import { apiStack, environmentOf, handlerFunction, synthSwitchboard, synthTemplate } from './synth';

/** The fan-out queue, its dead-letter queue and alarm, and the worker's event source mapping, as synthesized (cdk-nag included). */

// GIVEN the app as `npx cdk synth` builds it
const { stack, outdir } = synthSwitchboard({});
const template = Template.fromStack(stack);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

function queues(t: Template): Record<string, { Properties: Record<string, unknown> }> {
  return t.findResources('AWS::SQS::Queue') as Record<string, { Properties: Record<string, unknown> }>;
}

function queueId(t: Template, fifoThroughput: boolean): string {
  const [id] = Object.entries(queues(t)).find(([, q]) => (q.Properties.FifoThroughputLimit !== undefined) === fifoThroughput)!;
  return id;
}

function sqsActionsOfRole(t: Template, roleLogicalId: string): string[] {
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } });
  return Object.values(policies)
    .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement)
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => a.startsWith('sqs:'));
}

describe('the fan-out queue', () => {
  it('is a high-throughput FIFO queue whose jobs go to a FIFO dead-letter queue after 3 receives', () => {
    // THEN two FIFO queues, both encrypted: the jobs and their dead letters
    expect(Object.keys(queues(template))).toHaveLength(2);
    const jobs = queueId(template, true);
    const deadLetters = queueId(template, false);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      FifoThroughputLimit: 'perMessageGroupId',
      DeduplicationScope: 'messageGroup',
      SqsManagedSseEnabled: true,
      // Six times the worker's 10 s timeout, as Lambda advises for an SQS event source.
      VisibilityTimeout: 60,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters, 'Arn'] }, maxReceiveCount: 3 },
    });
    expect(queues(template)[deadLetters].Properties).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    // AND both refuse requests that are not over TLS
    for (const queue of [jobs, deadLetters]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('is read by the worker through an event source mapping that reports batch item failures, one job at a time, at most fanoutWorkers at once', () => {
    const { logicalId } = handlerFunction(template, FANOUT_WORKER_DEFINITION.id);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId },
      EventSourceArn: { 'Fn::GetAtt': [queueId(template, true), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: FANOUT_DEFAULTS.fanoutWorkers },
    });
    // AND the worker may receive and delete jobs, not send them to other queues' readers
    expect(sqsActionsOfRole(template, handlerFunction(template, FANOUT_WORKER_DEFINITION.id).properties.Role['Fn::GetAtt'][0])).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
  });

  it('alarms as soon as one job waits in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(template, false), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('is sent to only by the functions that fan out, which get its URL and the inline limit', () => {
    const fanningOut = [...ROUTES.filter((r) => r.extraEnvironment?.includes(ENV.fanoutQueueUrl)), PUBLISH_FUNCTION_DEFINITION];
    expect(fanningOut.map((r) => r.id).sort()).toEqual(['Disconnect', 'Join', 'Leave', 'Message', 'Publish', 'Signal']);
    for (const definition of fanningOut) {
      const env = environmentOf(template, definition.id);
      expect(env[ENV.fanoutQueueUrl]).toEqual({ Ref: queueId(template, true) });
      expect(env[ENV.inlineFanoutLimit]).toBe(String(FANOUT_DEFAULTS.inlineFanoutLimit));
      const role = handlerFunction(template, definition.id).properties.Role['Fn::GetAtt'][0];
      expect(sqsActionsOfRole(template, role)).toEqual(expect.arrayContaining(['sqs:SendMessage']));
      expect(sqsActionsOfRole(template, role)).not.toContain('sqs:ReceiveMessage');
    }
    for (const quiet of ROUTES.filter((r) => !fanningOut.includes(r))) {
      const role = handlerFunction(template, quiet.id).properties.Role['Fn::GetAtt'][0];
      expect(sqsActionsOfRole(template, role)).toEqual([]);
    }
  });
});

describe('fan-out settings', () => {
  it('takes -c inlineFanoutLimit=0 (every room queued), fanoutShardSize, fanoutPostsPerSecond and fanoutWorkers', () => {
    const t = synthTemplate({ inlineFanoutLimit: '0', fanoutShardSize: '500', fanoutPostsPerSecond: '9000', fanoutWorkers: '20' });
    expect(environmentOf(t, 'Message')).toMatchObject({ [ENV.inlineFanoutLimit]: '0', [ENV.fanoutShardSize]: '500' });
    expect(environmentOf(t, FANOUT_WORKER_DEFINITION.id)).toMatchObject({ [ENV.fanoutPostsPerSecond]: '9000' });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 20 } });
  });

  it('accepts maxRoomMembers up to 1,000,000 and refuses more, and refuses fanoutWorkers outside Lambda’s 2 to 1000', () => {
    expect(() => apiStack({ maxRoomMembers: 1_000_000 })).not.toThrow();
    expect(() => apiStack({ maxRoomMembers: 1_000_001 })).toThrow('maxRoomMembers must be an integer from 2 to 1000000; got 1000001.');
    expect(() => apiStack({ fanoutWorkers: 1 })).toThrow(/fanoutWorkers must be an integer from 2 to 1000 .*; got 1\./);
    expect(() => apiStack({ inlineFanoutLimit: -1 })).toThrow(/inlineFanoutLimit must be an integer from 0 to 10000/);
  });
});
