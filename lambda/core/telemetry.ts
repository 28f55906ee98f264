import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { RouteResult, RouteEvent } from './events';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME, type MetricName } from './metric-names';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME;

/** One structured JSON logger for all handlers. Message bodies are never logged at INFO. */
export const logger = new Logger({ serviceName });

/** CloudWatch metrics in Embedded Metric Format: printed to stdout, no API calls. */
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName });

/** Counts something; the metric is flushed when the invocation ends. */
export function count(name: MetricName, value = 1): void {
  if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
}

export type RouteHandler = (event: RouteEvent, context: Context) => Promise<RouteResult>;

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
