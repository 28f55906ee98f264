import type { Context } from 'aws-lambda';
import { rateLimited } from '../core/actions';
import { rateLimitEnv } from '../core/config';
import { RATE_LIMIT_DEFAULTS } from '../../contract/defaults';
import { RATE_LIMIT_ENV } from '../../contract/environment';
import type { RouteResult, WebSocketRequestContext } from '../core/events';
import { FrameLimiter } from '../core/frame-limiter';
import { count, logger, withTelemetry, type RouteHandler } from '../core/telemetry';
import { METRIC } from '../../contract/metrics';
import { parseClientFrame, serialize, type Action, type ClientFrame, type ServerFrame } from '../../protocol';

/*
 * Every route that answers the sender is a two-way route: the handler returns
 * the reply and API Gateway's route response sends it back. Only deliveries to
 * other connections (room fan-out) go through `@connections`, which saves each
 * reply a signed HTTP call from Lambda to API Gateway and leaves join, leave
 * and ping with no ManageConnections permission at all.
 */

type FrameFor<A extends Action> = Extract<ClientFrame, { action: A }>;

// Module scope: one bucket per connection for as long as this execution environment lives.
const frameLimiter = new FrameLimiter(rateLimitEnv(RATE_LIMIT_ENV.frames, RATE_LIMIT_DEFAULTS.frames), Date.now);

/** The route for one action: parse and validate the frame, run the action, return its reply (or the error frame). */
export function actionRoute<A extends Action>(
  action: A,
  run: (frame: FrameFor<A>, connectionId: string, context: Context, request: WebSocketRequestContext) => Promise<RouteReply> | RouteReply,
): RouteHandler {
  return responseRoute(async (body, connectionId, context, request) => {
    const parsed = parseClientFrame(body);
    if (!parsed.ok) return parsed.error;
    if (parsed.frame.action !== action) {
      throw new Error(`The "${action}" route received action "${parsed.frame.action}"; check the API's route selection expression.`);
    }
    return run(parsed.frame as FrameFor<A>, connectionId, context, request);
  });
}

/**
 * What a two-way route answers: the frame the sender receives, or undefined when the handler has
 * already sent the sender its frames through `@connections` (a resuming join, whose `joined` must
 * precede its replay): the route then returns no body, and API Gateway sends nothing.
 */
export type RouteReply = ServerFrame | undefined;

/**
 * A two-way route: whatever frame `run` returns is the route response the sender receives. Every
 * frame first takes a token from its connection's frame limit; over it, the frame is answered
 * RATE_LIMITED and not run.
 */
export function responseRoute(
  run: (
    body: string | undefined,
    connectionId: string,
    context: Context,
    /** The event's request context: the authorizer's identity, the connection's start. */
    request: WebSocketRequestContext,
  ) => Promise<RouteReply> | RouteReply,
  limiter: FrameLimiter = frameLimiter,
): RouteHandler {
  return withTelemetry(async (event, context): Promise<RouteResult> => {
    const { connectionId } = event.requestContext;
    const token = limiter.take(connectionId);
    const result = token.allowed
      ? await run(event.body, connectionId, context, event.requestContext)
      : rateLimited('frames', limiter.limit, token.retryAfterMs, idOf(event.body));
    if (result === undefined) return { statusCode: 200 };
    if (result.event === 'error') {
      count(METRIC.framesRejected);
      // A flood would make one INFO line per refused frame, a log bill of its own: the metric counts them.
      if (result.error.code === 'RATE_LIMITED') logger.debug('Frame rate-limited');
      else logger.info('Frame rejected', { code: result.error.code });
    }
    return { statusCode: 200, body: serialize(result) };
  });
}

/** The frame's `id`, when it carries a valid one, so that even a refused frame's error correlates. */
function idOf(body: string | undefined): string | undefined {
  const parsed = parseClientFrame(body);
  return parsed.ok ? parsed.frame.id : parsed.error.id;
}
