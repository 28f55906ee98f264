import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-dynamodb-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KEY = { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] };

describe('AWS::DynamoDB::Table and GlobalTable', () => {
  test('named by TableName, else <stack>-<logical id>; Ref, Arn and StreamArn give that name', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'names')), (template) => {
      template.Resources.Named = { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'connections', ...KEY } };
      template.Resources.Unnamed = { Type: 'AWS::DynamoDB::GlobalTable', Properties: KEY };
      template.Outputs = {
        NamedRef: { Value: { Ref: 'Named' } },
        NamedArn: { Value: { 'Fn::GetAtt': ['Named', 'Arn'] } },
        UnnamedStream: { Value: { 'Fn::GetAtt': ['Unnamed', 'StreamArn'] } },
      };
    });

    const app = loadWebSocketApp(dir);

    expect(app.tables.map((t) => [t.logicalId, t.tableName])).toEqual([
      ['Named', 'connections'],
      ['Unnamed', 'Hand-Unnamed'],
    ]);
    expect(app.outputs).toEqual({
      NamedRef: 'connections',
      NamedArn: `arn:aws:dynamodb:${app.region}:123456789012:table/connections`,
      UnnamedStream: `arn:aws:dynamodb:${app.region}:123456789012:table/Hand-Unnamed/stream/local`,
    });
  });

  test('keys, indexes (intrinsics resolved) and the TTL attribute unless disabled', () => {
    const gsi = [{ IndexName: { 'Fn::Sub': '${AWS::StackName}-by-room' }, KeySchema: [{ AttributeName: 'room', KeyType: 'HASH' }] }];
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'shape')), (template) => {
      template.Resources.Expiring = {
        Type: 'AWS::DynamoDB::Table',
        Properties: { ...KEY, GlobalSecondaryIndexes: gsi, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } },
      };
      template.Resources.Disabled = {
        Type: 'AWS::DynamoDB::Table',
        Properties: { ...KEY, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false } },
      };
    });

    const [expiring, disabled] = loadWebSocketApp(dir).tables;

    expect(expiring).toEqual({
      logicalId: 'Expiring',
      tableName: 'Hand-Expiring',
      keySchema: KEY.KeySchema,
      attributeDefinitions: KEY.AttributeDefinitions,
      globalSecondaryIndexes: [{ IndexName: 'Hand-by-room', KeySchema: [{ AttributeName: 'room', KeyType: 'HASH' }] }],
      localSecondaryIndexes: [],
      ttlAttribute: 'expiresAt',
    });
    expect(disabled.ttlAttribute).toBeUndefined();
  });
});
