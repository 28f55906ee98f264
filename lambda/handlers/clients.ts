import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callbackUrlEnv, historyEnv, positiveIntEnv, requireEnv } from '../core/config';
import { ROOM_DEFAULTS } from '../../contract/defaults';
import { ENV } from '../../contract/environment';
import { ConnectionStore } from '../core/connection-store';
import { RoomHistory } from '../core/room-history';
import { Notifier } from '../core/notifier';
import { presenceFanout, PresenceStore, type PresenceDeps } from '../core/presence';
import type { FanoutResult, RoomFanout } from '../core/room-fanout';
import { roomPolicyFromEnv } from '../core/room-rules';
import { logger } from '../core/telemetry';

/*
 * AWS clients for the handlers. Each handler calls these at module scope, so
 * clients and configuration are built once per execution environment. Retries
 * are Switchboard's own (core/retry.ts, budget-aware), so the SDK's are off.
 */

let documentClient: DynamoDBDocumentClient | undefined;

/** One DynamoDB client per execution environment, shared by the store and the history. */
function tableClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function createStore(): ConnectionStore {
  return new ConnectionStore(tableClient(), requireEnv(ENV.tableName));
}

/** The rooms' sequence numbers and history, with the limit and retention the stack set. */
export function createHistory(): RoomHistory {
  return new RoomHistory(tableClient(), requireEnv(ENV.tableName), historyEnv());
}

/** The presence rows (PRES#), in the same table. */
export function createPresenceStore(): PresenceStore {
  return new PresenceStore(tableClient(), requireEnv(ENV.tableName));
}

export function createNotifier(): Notifier {
  return new Notifier(new ApiGatewayManagementApiClient({ endpoint: callbackUrlEnv(), maxAttempts: 1 }));
}

/**
 * The room fan-out and the presence deps that send through it, with the presence rows, room rules
 * and fan-out concurrency the stack configured: a member pruned as gone (410) is a presence
 * departure from each of its rooms. `onBroadcast` sees each broadcast's result (to count it).
 */
export function createPresenceFanout(
  store: ConnectionStore,
  notifier: Notifier,
  onBroadcast?: (result: FanoutResult) => void,
): { fanout: RoomFanout; presence: PresenceDeps } {
  const deps = {
    presence: createPresenceStore(),
    policy: roomPolicyFromEnv(),
    fanoutConcurrency: positiveIntEnv(ENV.fanoutConcurrency, ROOM_DEFAULTS.fanoutConcurrency),
    logger,
  };
  return presenceFanout(store, notifier, deps, onBroadcast);
}
