import type { Context } from 'aws-lambda';
import { METRIC } from '../../contract/metrics';
import { parseClientFrame, serialize, type Action, type ClientFrame, type ServerFrame } from '../../protocol';
import { rateLimited } from '../core/actions';
import type { RouteEvent, RouteResult, WebSocketRequestContext } from '../core/events';
import type { FrameLimiter } from '../core/frame-limiter';
import { count, withTelemetry, type LambdaHandler, type Telemetry } from '../core/telemetry';

/*
 * Every route that answers the sender is a two-way route: the handler returns
 * the reply and API Gateway's route response sends it back. Only deliveries to
 * other connections (room fan-out) go through `@connections`, which saves each
 * reply a signed HTTP call from Lambda to API Gateway and leaves join, leave
 * and ping with no ManageConnections permission at all.
 */

/** A route's handler, as API Gateway's Lambda integration calls it. */
export type RouteHandler = LambdaHandler<RouteEvent, RouteResult>;

/**
 * A route's handler with the handlers' telemetry: every log line carries connectionId, routeKey
 * and requestId, and an unexpected error is counted and logged with them before it reaches API
 * Gateway (which answers the client "Internal server error").
 */
export function routeHandler(telemetry: Telemetry, handler: RouteHandler): RouteHandler {
  return withTelemetry(handler, telemetry, {
    logKeys: ({ requestContext: { connectionId, routeKey, requestId } }) => ({ connectionId, routeKey, requestId }),
    failure: 'Route handler failed',
  });
}

/** What every route a client sends frames to needs. */
export interface FrameRouteDeps {
  readonly telemetry: Telemetry;
  /** This execution environment's per-connection frame limit: one for the function's lifetime. */
  readonly frameLimiter: FrameLimiter;
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
  { telemetry, frameLimiter }: FrameRouteDeps,
  run: (
    body: string | undefined,
    connectionId: string,
    context: Context,
    /** The event's request context: the authorizer's identity, the connection's start. */
    request: WebSocketRequestContext,
  ) => Promise<RouteReply> | RouteReply,
): RouteHandler {
  const { logger, metrics } = telemetry;
  return routeHandler(telemetry, async (event, context) => {
    const { connectionId } = event.requestContext;
    const token = frameLimiter.take(connectionId);
    const result = token.allowed
      ? await run(event.body, connectionId, context, event.requestContext)
      : rateLimited('frames', frameLimiter.limit, token.retryAfterMs, idOf(event.body));
    if (result === undefined) return { statusCode: 200 };
    if (result.event === 'error') {
      count(metrics, METRIC.framesRejected);
      // A flood would make one INFO line per refused frame, a log bill of its own: the metric counts them.
      if (result.error.code === 'RATE_LIMITED') logger.debug('Frame rate-limited');
      else logger.info('Frame rejected', { code: result.error.code });
    }
    return { statusCode: 200, body: serialize(result) };
  });
}

type FrameFor<A extends Action> = Extract<ClientFrame, { action: A }>;

/** The route for one action: parse and validate the frame, run the action, return its reply (or the error frame). */
export function actionRoute<A extends Action>(
  deps: FrameRouteDeps,
  action: A,
  run: (frame: FrameFor<A>, connectionId: string, context: Context, request: WebSocketRequestContext) => Promise<RouteReply> | RouteReply,
): RouteHandler {
  return responseRoute(deps, async (body, connectionId, context, request) => {
    const parsed = parseClientFrame(body);
    if (!parsed.ok) return parsed.error;
    if (parsed.frame.action !== action) {
      throw new Error(`The "${action}" route received action "${parsed.frame.action}"; check the API's route selection expression.`);
    }
    return run(parsed.frame as FrameFor<A>, connectionId, context, request);
  });
}

/** The frame's `id`, when it carries a valid one, so that even a refused frame's error correlates. */
function idOf(body: string | undefined): string | undefined {
  const parsed = parseClientFrame(body);
  return parsed.ok ? parsed.frame.id : parsed.error.id;
}
