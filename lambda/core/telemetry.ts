import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { RouteResult, WebSocketEvent } from './events';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'switchboard';

/** One structured JSON logger for all handlers. Message bodies are never logged at INFO. */
export const logger = new Logger({ serviceName });

/** CloudWatch metrics in Embedded Metric Format: printed to stdout, no API calls. */
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Switchboard', serviceName });

/** The metric names, in one place for the handlers, alarms and dashboard. */
export const METRIC = {
  connectionsOpened: 'ConnectionsOpened',
  connectionsClosed: 'ConnectionsClosed',
  messages: 'Messages',
  framesRejected: 'FramesRejected',
  fanoutDeliveries: 'FanoutDeliveries',
  fanoutFailures: 'FanoutFailures',
  stalePruned: 'StaleConnectionsPruned',
  errors: 'HandlerErrors',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Counts something; the metric is flushed when the invocation ends. */
export function count(name: MetricName, value = 1): void {
  if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
}

export type RouteHandler = (event: WebSocketEvent, context: Context) => Promise<RouteResult>;

/**
 * Wraps a route handler so every log line carries connectionId, routeKey and
 * requestId, an unexpected error is logged with that context (and counted)
 * before it reaches API Gateway, and the invocation's metrics are flushed.
 */
export function withTelemetry(handler: RouteHandler): RouteHandler {
  return async (event, context) => {
    const { connectionId, routeKey, requestId } = event.requestContext;
    logger.resetKeys();
    logger.addContext(context);
    logger.appendKeys({ connectionId, routeKey, requestId });
    try {
      return await handler(event, context);
    } catch (err: unknown) {
      count(METRIC.errors);
      logger.error('Route handler failed', err as Error);
      throw err;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
