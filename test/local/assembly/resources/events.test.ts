import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-events-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const region = () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
const arn = (resource: string) => `arn:aws:events:${region()}:123456789012:${resource}`;

describe('event buses and rules', () => {
  test('a bus is named by its Name; a rule by its own, with its bus, pattern, state and targets', () => {
    // GIVEN a named bus, a rule on it (pattern as an object) targeting the stack's function through a transformer,
    // and an unnamed rule on the default bus (pattern as JSON text) with a non-Lambda target
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'rules')), (template) => {
      template.Resources.Bus = { Type: 'AWS::Events::EventBus', Properties: { Name: 'MyBus' } };
      template.Resources.OrdersRule = {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: 'big-orders',
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: [{ prefix: 'shop.' }], detail: { total: [{ numeric: ['>=', 100] }] } },
          Targets: [
            {
              Id: 'Target0',
              Arn: { 'Fn::GetAtt': ['EchoFn', 'Arn'] },
              InputTransformer: { InputPathsMap: { id: '$.detail.id' }, InputTemplate: '{"id": <id>}' },
            },
          ],
        },
      };
      template.Resources.AuditRule = {
        Type: 'AWS::Events::Rule',
        Properties: {
          State: 'DISABLED',
          EventPattern: '{"source":["audit"]}',
          Targets: [{ Id: 'Queue', Arn: 'arn:aws:sqs:us-east-1:123456789012:audit', Input: '{"fixed":1}' }],
        },
      };
      template.Resources.Nightly = { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 day)', Targets: [] } };
      template.Outputs = {
        BusName: { Value: { Ref: 'Bus' } },
        BusArn: { Value: { 'Fn::GetAtt': ['Bus', 'Arn'] } },
        RuleName: { Value: { Ref: 'OrdersRule' } },
        RuleArn: { Value: { 'Fn::GetAtt': ['OrdersRule', 'Arn'] } },
        AuditArn: { Value: { 'Fn::GetAtt': ['AuditRule', 'Arn'] } },
      };
    });

    // WHEN the stack is read
    const app = loadWebSocketApp(dir);

    // THEN names and ARNs are AWS's, and the rules keep what the local EventBridge needs
    expect(app.outputs).toEqual({
      BusName: 'MyBus',
      BusArn: arn('event-bus/MyBus'),
      RuleName: 'big-orders',
      RuleArn: arn('rule/MyBus/big-orders'),
      AuditArn: arn('rule/Hand-AuditRule'),
    });
    expect(app.eventBuses).toEqual([
      { name: 'default', arn: arn('event-bus/default') },
      { logicalId: 'Bus', name: 'MyBus', arn: arn('event-bus/MyBus') },
    ]);
    expect(app.eventRules).toEqual([
      {
        logicalId: 'OrdersRule',
        name: 'big-orders',
        arn: arn('rule/MyBus/big-orders'),
        busName: 'MyBus',
        state: 'ENABLED',
        eventPattern: { source: [{ prefix: 'shop.' }], detail: { total: [{ numeric: ['>=', 100] }] } },
        scheduleExpression: undefined,
        targets: [
          {
            id: 'Target0',
            arn: `arn:aws:lambda:${region()}:123456789012:function:Hand-EchoFn`,
            functionLogicalId: 'EchoFn',
            input: undefined,
            inputPath: undefined,
            inputTransformer: { inputPathsMap: { id: '$.detail.id' }, inputTemplate: '{"id": <id>}' },
          },
        ],
      },
      expect.objectContaining({
        logicalId: 'AuditRule',
        name: 'Hand-AuditRule',
        busName: 'default',
        state: 'DISABLED',
        eventPattern: { source: ['audit'] },
        targets: [expect.objectContaining({ id: 'Queue', functionLogicalId: undefined, input: '{"fixed":1}' })],
      }),
      expect.objectContaining({ logicalId: 'Nightly', scheduleExpression: 'rate(1 day)', eventPattern: undefined }),
    ]);
    expect(app.warnings).toEqual([
      'rule AuditRule: target Queue (arn:aws:sqs:us-east-1:123456789012:audit) is not a Lambda function of this stack; the emulator delivers only to those',
      'rule Nightly runs on a schedule (rate(1 day)); the emulator does not run scheduled rules',
    ]);
  });
});
