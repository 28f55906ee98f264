import type { Context } from 'aws-lambda';
import type { RouteResult } from '../core/events';
import { count, logger, withTelemetry, type RouteHandler } from '../core/telemetry';
import { METRIC } from '../core/metric-names';
import { parseClientFrame, serialize, type Action, type ClientFrame, type ServerFrame } from '../../protocol';

/*
 * Every route that answers the sender is a two-way route: the handler returns
 * the reply and API Gateway's route response sends it back. Only deliveries to
 * other connections (room fan-out) go through `@connections`, which saves each
 * reply a signed HTTP call from Lambda to API Gateway and leaves join, leave
 * and ping with no ManageConnections permission at all.
 */

type FrameFor<A extends Action> = Extract<ClientFrame, { action: A }>;

/** The route for one action: parse and validate the frame, run the action, return its reply (or the error frame). */
export function actionRoute<A extends Action>(
  action: A,
  run: (frame: FrameFor<A>, connectionId: string, context: Context) => Promise<ServerFrame> | ServerFrame,
): RouteHandler {
  return responseRoute(async (body, connectionId, context) => {
    const parsed = parseClientFrame(body);
    if (!parsed.ok) return parsed.error;
    if (parsed.frame.action !== action) {
      throw new Error(`The "${action}" route received action "${parsed.frame.action}"; check the API's route selection expression.`);
    }
    return run(parsed.frame as FrameFor<A>, connectionId, context);
  });
}

/** A two-way route: whatever frame `run` returns is the route response the sender receives. */
export function responseRoute(
  run: (body: string | undefined, connectionId: string, context: Context) => Promise<ServerFrame> | ServerFrame,
): RouteHandler {
  return withTelemetry(async (event, context): Promise<RouteResult> => {
    const result = await run(event.body, event.requestContext.connectionId, context);
    if (result.event === 'error') {
      count(METRIC.framesRejected);
      logger.info('Frame rejected', { code: result.error.code });
    }
    return { statusCode: 200, body: serialize(result) };
  });
}
