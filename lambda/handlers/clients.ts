import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callbackUrlEnv, ENV, requireEnv } from '../core/config';
import { ConnectionStore } from '../core/connection-store';
import { Notifier } from '../core/notifier';

/*
 * AWS clients for the handlers. Each handler calls these at module scope, so
 * clients and configuration are built once per execution environment. Retries
 * are Switchboard's own (core/retry.ts, budget-aware), so the SDK's are off.
 */

export function createStore(): ConnectionStore {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return new ConnectionStore(client, requireEnv(ENV.tableName));
}

export function createNotifier(): Notifier {
  return new Notifier(new ApiGatewayManagementApiClient({ endpoint: callbackUrlEnv(), maxAttempts: 1 }));
}
