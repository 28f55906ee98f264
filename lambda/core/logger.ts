import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { RouteResult, WebSocketEvent } from './events';

/** One structured JSON logger for all handlers. Message bodies are never logged at INFO. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'switchboard' });

export type RouteHandler = (event: WebSocketEvent, context: Context) => Promise<RouteResult>;

/**
 * Wraps a route handler so every log line carries connectionId, routeKey and
 * requestId, and an unexpected error is logged with that context before it
 * reaches API Gateway (which answers the client "Internal server error").
 */
export function withRequestLogging(handler: RouteHandler): RouteHandler {
  return async (event, context) => {
    const { connectionId, routeKey, requestId } = event.requestContext;
    logger.resetKeys();
    logger.addContext(context);
    logger.appendKeys({ connectionId, routeKey, requestId });
    try {
      return await handler(event, context);
    } catch (err: unknown) {
      logger.error('Route handler failed', err as Error);
      throw err;
    }
  };
}
