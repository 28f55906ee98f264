import type { Context } from 'aws-lambda';
import { publishToRoom } from '../core/actions';
import { ROOM_DEFAULTS, ENV, positiveIntEnv } from '../core/config';
import { METRIC } from '../core/metric-names';
import { presenceFanout } from '../core/presence';
import { roomPolicyFromEnv } from '../core/room-rules';
import { count, logger, metrics } from '../core/telemetry';
import type { PublishResponse } from '../../protocol';
import { createHistory, createNotifier, createPresenceStore, createStore } from './clients';

const store = createStore();
const notifier = createNotifier();
const history = createHistory();
const fanoutConcurrency = positiveIntEnv(ENV.fanoutConcurrency, ROOM_DEFAULTS.fanoutConcurrency);
// As in `message`: a member pruned as gone (410) is a presence departure from each of its rooms.
const presenceDeps = { presence: createPresenceStore(), policy: roomPolicyFromEnv(), fanoutConcurrency, logger };
const { fanout } = presenceFanout(store, notifier, presenceDeps, (result) => {
  count(METRIC.fanoutDeliveries, result.delivered);
  count(METRIC.fanoutFailures, result.failed);
  count(METRIC.stalePruned, result.pruned);
});

/**
 * The Publish function: not a route. Backends invoke it through the Lambda Invoke API (IAM decides
 * who may: SwitchboardApi.grantPublish) with `{ room, data, from? }`; every member of the room gets
 * the room message frame. A payload the protocol refuses is answered `{ error }`, never thrown, so
 * the caller gets the reason; a failure of DynamoDB or `@connections` is thrown (and logged), which
 * the Invoke API reports as a function error and an asynchronous invoker retries.
 */
export async function handler(event: unknown, context: Context): Promise<PublishResponse> {
  logger.resetKeys();
  logger.addContext(context);
  try {
    const response = await publishToRoom(event, {
      history,
      fanout,
      fanoutConcurrency,
      now: Date.now,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    if ('error' in response) logger.info('Publish refused', { code: response.error.code });
    return response;
  } catch (err: unknown) {
    count(METRIC.errors);
    logger.error('Publish failed', err as Error);
    throw err;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
