import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/lib-dynamodb';

/**
 * For mocked-table tests: every room has no layout row (one shard, fanned out inline), as every
 * room is until it grows. A matcher on the layout key, so it wins over a test's own GetCommand
 * answers (a connection row) whatever their order.
 */
export function roomsOfOneShard(ddb: AwsStub<ServiceInputTypes, ServiceOutputTypes, DynamoDBDocumentClient['config']>): void {
  ddb.on(GetCommand, { Key: { sk: 'LAYOUT' } }).resolves({});
}
