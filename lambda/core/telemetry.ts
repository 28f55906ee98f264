import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { RouteResult, RouteEvent } from './events';
import type { FanoutResult } from './room-fanout';
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

/** Counts a room broadcast's deliveries, failures and stale connections pruned. */
export function countBroadcast(result: FanoutResult): void {
  count(METRIC.fanoutDeliveries, result.delivered);
  count(METRIC.fanoutFailures, result.failed);
  count(METRIC.stalePruned, result.pruned);
}

/**
 * Runs one invocation with every log line carrying the Lambda context and `keys`; an unexpected
 * error is logged as `failure` (and counted) before it is rethrown, and the invocation's metrics
 * are flushed however it ends.
 */
export async function withInvocationTelemetry<T>(
  context: Context,
  keys: Record<string, unknown>,
  failure: string,
  run: () => Promise<T>,
): Promise<T> {
  logger.resetKeys();
  logger.addContext(context);
  logger.appendKeys(keys);
  try {
    return await run();
  } catch (err: unknown) {
    count(METRIC.errors);
    logger.error(failure, err as Error);
    throw err;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

export type RouteHandler = (event: RouteEvent, context: Context) => Promise<RouteResult>;

/**
 * Wraps a route handler so every log line carries connectionId, routeKey and
 * requestId, an unexpected error is logged with that context (and counted)
 * before it reaches API Gateway, and the invocation's metrics are flushed.
 */
export function withTelemetry(handler: RouteHandler): RouteHandler {
  return (event, context) => {
    const { connectionId, routeKey, requestId } = event.requestContext;
    return withInvocationTelemetry(context, { connectionId, routeKey, requestId }, 'Route handler failed', () => handler(event, context));
  };
}
