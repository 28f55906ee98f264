import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { RouteResult, RouteEvent } from './events';
import type { FanoutResult } from './room-fanout';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME, type MetricName } from '../../contract/metrics';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME;

const powertoolsLogger = new Logger({ serviceName });

/** What the handlers log through: the levels of Powertools' Logger. */
export type InvocationLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

interface InvocationLogContext {
  readonly context: Context;
  readonly keys: Record<string, unknown>;
}

/** The running invocation's log context, until a line is written (see {@link beginInvocationLog}). */
let unapplied: InvocationLogContext | undefined;
let invocations = 0;
/**
 * Lambda Managed Instances may run several invocations at once in one environment; Powertools
 * then keeps each one's keys apart (its invocation store), which only works if they are set as
 * each invocation starts.
 */
const concurrentInvocations = (process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? '') !== '';

function applyLogContext({ context, keys }: InvocationLogContext): void {
  powertoolsLogger.resetKeys();
  powertoolsLogger.addContext(context);
  powertoolsLogger.appendKeys(keys);
}

function applyUnapplied(): void {
  if (unapplied === undefined) return;
  applyLogContext(unapplied);
  unapplied = undefined;
}

/**
 * Makes every line the invocation logs carry its Lambda context (request id, function, cold
 * start) and `keys`, and no key of an earlier invocation. Applied when the invocation writes its
 * first line, not when it starts: applying costs Powertools about 2 µs (it reads the environment
 * seven times), a quarter of an echo's run, and most invocations log nothing. The first
 * invocation applies at once, so that Powertools marks it, and only it, the cold start; so do
 * invocations that may run concurrently.
 */
export function beginInvocationLog(context: Context, keys: Record<string, unknown>): void {
  const current = { context, keys };
  if (invocations++ === 0 || concurrentInvocations) {
    unapplied = undefined;
    applyLogContext(current);
  } else unapplied = current;
}

/** A level of the logger: the invocation's context first, then Powertools' line. */
function logAt(level: keyof InvocationLogger): InvocationLogger[typeof level] {
  return (input: LogItemMessage, ...extra: LogItemExtraInput) => {
    applyUnapplied();
    powertoolsLogger[level](input, ...extra);
  };
}

/** One structured JSON logger for all handlers. Message bodies are never logged at INFO. */
export const logger: InvocationLogger = { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };

/** CloudWatch metrics in Embedded Metric Format: printed to stdout, no API calls. */
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName });

/** Whether count() has added a metric since the last flush: most invocations add none. */
let metricsAdded = false;

/** Counts something; the metric is flushed when the invocation ends. */
export function count(name: MetricName, value = 1): void {
  if (value <= 0) return;
  metrics.addMetric(name, MetricUnit.Count, value);
  metricsAdded = true;
}

/**
 * Publishes the invocation's metrics, if it counted any. Asking Powertools whether it holds some
 * costs it an environment read per call, so that question is asked only after count() ran (or
 * always, with concurrent invocations, whose metrics Powertools keeps apart).
 */
export function flushMetrics(): void {
  if (!metricsAdded && !concurrentInvocations) return;
  metricsAdded = false;
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
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
  beginInvocationLog(context, keys);
  try {
    return await run();
  } catch (err: unknown) {
    count(METRIC.errors);
    logger.error(failure, err as Error);
    throw err;
  } finally {
    flushMetrics();
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
