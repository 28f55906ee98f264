import type { Context } from 'aws-lambda';
import type { PublishResponse } from '../../protocol';
import { publishToRoom } from '../core/actions';
import type { RoomHistory } from '../core/room-history';
import type { RoomRateLimiter } from '../core/room-rate-limiter';
import { broadcastCounter, withTelemetry, type LambdaHandler } from '../core/telemetry';
import { roomFanout, type RoomDeps } from './room-deps';

export interface PublishDeps extends RoomDeps {
  readonly history: RoomHistory;
  /** The time a message is accepted (its `ts`), in ms since the epoch. */
  readonly now: () => number;
  /** The per-room limit on room messages, in rooms beyond the inline fan-out; none: no such limit. */
  readonly roomRate?: RoomRateLimiter;
}

/**
 * The Publish function: not a route. Backends invoke it through the Lambda Invoke API (IAM decides
 * who may: SwitchboardApi.grantPublish) with `{ room, data, from? }`; every member of the room gets
 * the room message frame. A payload the protocol refuses is answered `{ error }`, never thrown, so
 * the caller gets the reason; a failure of DynamoDB or `@connections` is thrown (and logged), which
 * the Invoke API reports as a function error and an asynchronous invoker retries.
 */
export function makeHandler(deps: PublishDeps): LambdaHandler<unknown, PublishResponse> {
  const { history, fanoutConcurrency, now, telemetry } = deps;
  // As in `message`: a member pruned as gone (410) is a presence departure from each of its rooms.
  const { fanout } = roomFanout(deps, broadcastCounter(telemetry.metrics));
  const publish = async (event: unknown, context: Context): Promise<PublishResponse> => {
    const response = await publishToRoom(event, {
      history,
      fanout,
      fanoutConcurrency,
      now,
      roomRate: deps.roomRate,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    if ('error' in response) telemetry.logger.info('Publish refused', { code: response.error.code });
    return response;
  };
  return withTelemetry(publish, telemetry, { logKeys: () => ({}), failure: 'Publish failed' });
}
