import type { Context } from 'aws-lambda';
import { reply } from '../core/actions';
import type { RouteResult } from '../core/events';
import { count, logger, METRIC, withTelemetry, type RouteHandler } from '../core/telemetry';
import type { Notifier } from '../core/notifier';
import { parseClientFrame, serialize, type Action, type ClientFrame, type ServerFrame } from '../core/protocol';

/** The two kinds of route Switchboard has: replies through `@connections`, or through a route response. */

type FrameFor<A extends Action> = Extract<ClientFrame, { action: A }>;

/**
 * A route whose reply goes back through `@connections`: parse the frame, run
 * the action, post the result (or the error frame) to the sender.
 */
export function actionRoute<A extends Action>(
  action: A,
  notifier: Notifier,
  run: (frame: FrameFor<A>, connectionId: string, context: Context) => Promise<ServerFrame>,
): RouteHandler {
  return withTelemetry(async (event, context) => {
    const { connectionId } = event.requestContext;
    const remainingMs = () => context.getRemainingTimeInMillis();
    const parsed = parseClientFrame(event.body);
    let result: ServerFrame;
    if (!parsed.ok) {
      result = parsed.error;
    } else if (parsed.frame.action !== action) {
      throw new Error(`The "${action}" route received action "${parsed.frame.action}"; check the API's route selection expression.`);
    } else {
      result = await run(parsed.frame as FrameFor<A>, connectionId, context);
    }
    if (result.event === 'error') {
      count(METRIC.framesRejected);
      logger.info('Frame rejected', { code: result.error.code });
    }
    const outcome = await reply(notifier, connectionId, result, remainingMs);
    if (outcome === 'gone') logger.info('Sender disconnected before its reply was sent');
    return { statusCode: 200 };
  });
}

/** A two-way route: API Gateway's route response sends the returned body to the sender. */
export function responseRoute(run: (body: string | undefined) => ServerFrame): RouteHandler {
  return withTelemetry(async (event): Promise<RouteResult> => {
    const result = run(event.body);
    if (result.event === 'error') {
      count(METRIC.framesRejected);
      logger.info('Frame rejected', { code: result.error.code });
    }
    return { statusCode: 200, body: serialize(result) };
  });
}
