import type { Context } from 'aws-lambda';
import { publishToRoom } from '../core/actions';
import { countBroadcast, logger, withInvocationTelemetry } from '../core/telemetry';
import type { PublishResponse } from '../../protocol';
import { createHistory, createNotifier, createPresenceFanout, createStore } from './clients';

const history = createHistory();
// As in `message`: a member pruned as gone (410) is a presence departure from each of its rooms.
const { fanout, presence } = createPresenceFanout(createStore(), createNotifier(), countBroadcast);
const { fanoutConcurrency } = presence;

/**
 * The Publish function: not a route. Backends invoke it through the Lambda Invoke API (IAM decides
 * who may: SwitchboardApi.grantPublish) with `{ room, data, from? }`; every member of the room gets
 * the room message frame. A payload the protocol refuses is answered `{ error }`, never thrown, so
 * the caller gets the reason; a failure of DynamoDB or `@connections` is thrown (and logged), which
 * the Invoke API reports as a function error and an asynchronous invoker retries.
 */
export async function handler(event: unknown, context: Context): Promise<PublishResponse> {
  return withInvocationTelemetry(context, {}, 'Publish failed', async () => {
    const response = await publishToRoom(event, {
      history,
      fanout,
      fanoutConcurrency,
      now: Date.now,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    if ('error' in response) logger.info('Publish refused', { code: response.error.code });
    return response;
  });
}
