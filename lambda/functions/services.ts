import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { FANOUT_DEFAULTS, ROOM_DEFAULTS } from '../../contract/defaults';
import { ENV } from '../../contract/environment';
import { callbackUrlEnv, historyEnv, nonNegativeIntEnv, positiveIntEnv, requireEnv } from '../core/config';
import { ConnectionStore } from '../core/connection-store';
import { FanoutQueue } from '../core/fanout-queue';
import { SharedPostBucket } from '../core/post-governor';
import type { RateLimit } from '../../protocol/token-bucket';
import type { FanoutRouting } from '../core/room-fanout';
import type { FanoutSettings } from '../core/room-sizing';
import { MessageDedup } from '../core/message-dedup';
import { Notifier } from '../core/notifier';
import { PresenceStore } from '../core/presence';
import { RoomHistory } from '../core/room-history';
import { roomPolicyFromEnv } from '../core/room-rules';
import type { Telemetry } from '../core/telemetry';
import type { RoomDeps } from '../handlers/room-deps';

/*
 * The AWS services a function talks to, built from its environment at cold start: the table's
 * stores and `@connections`. Apart from environment.ts, so that a function that needs neither
 * (ping, $default, the authorizer) loads no AWS SDK. Retries are Switchboard's own
 * (core/retry.ts, budget-aware), so the SDK's are off.
 */

type Env = Record<string, string | undefined>;

let documentClient: DynamoDBDocumentClient | undefined;

/** One DynamoDB client per execution environment, shared by the stores. */
function tableClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function connectionStore(env: Env = process.env): ConnectionStore {
  return new ConnectionStore(tableClient(), requireEnv(ENV.tableName, env), { fanout: fanoutSettings(env) });
}

/** Which rooms fan out inline and how rooms grow into shards, as the stack set them. */
export function fanoutSettings(env: Env = process.env): FanoutSettings {
  return {
    inlineFanoutLimit: nonNegativeIntEnv(ENV.inlineFanoutLimit, FANOUT_DEFAULTS.inlineFanoutLimit, env),
    fanoutShardSize: positiveIntEnv(ENV.fanoutShardSize, FANOUT_DEFAULTS.fanoutShardSize, env),
    presenceLimit: positiveIntEnv(ENV.presenceLimit, ROOM_DEFAULTS.presenceLimit, env),
  };
}

/** The fan-out workers' shared post bucket, in the same table. */
export function postBucket(limit: RateLimit, env: Env = process.env): SharedPostBucket {
  return new SharedPostBucket(tableClient(), requireEnv(ENV.tableName, env), limit);
}

/** The fan-out queue, when the stack gave the function one: rooms beyond the inline limit go through it. */
export function fanoutRouting(env: Env = process.env): FanoutRouting | undefined {
  const url = env[ENV.fanoutQueueUrl];
  if (url === undefined || url === '') return undefined;
  return { queue: new FanoutQueue(new SQSClient({ maxAttempts: 1 }), url) };
}

/** The rooms' sequence numbers and history, with the limit and retention the stack set. */
export function roomHistory(env: Env = process.env): RoomHistory {
  return new RoomHistory(tableClient(), requireEnv(ENV.tableName, env), historyEnv(env));
}

/** The room messages' ids (DEDUP#), in the same table. */
export function messageDedup(env: Env = process.env): MessageDedup {
  return new MessageDedup(tableClient(), requireEnv(ENV.tableName, env));
}

/** The presence rows (PRES#), in the same table. */
export function presenceStore(env: Env = process.env): PresenceStore {
  return new PresenceStore(tableClient(), requireEnv(ENV.tableName, env));
}

export function notifier(env: Env = process.env): Notifier {
  return new Notifier(new ApiGatewayManagementApiClient({ endpoint: callbackUrlEnv(env), maxAttempts: 1 }));
}

/** What fanning out and counting presence need: the stores, `@connections`, the room rules and the fan-out concurrency. */
export function roomDeps(telemetry: Telemetry, env: Env = process.env): RoomDeps {
  return {
    store: connectionStore(env),
    notifier: notifier(env),
    presenceStore: presenceStore(env),
    policy: roomPolicyFromEnv(env),
    fanoutConcurrency: positiveIntEnv(ENV.fanoutConcurrency, ROOM_DEFAULTS.fanoutConcurrency, env),
    routing: fanoutRouting(env),
    telemetry,
  };
}
