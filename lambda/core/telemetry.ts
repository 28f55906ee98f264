import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME, type MetricName } from '../../contract/metrics';
import type { FanoutResult } from './room-fanout';

/**
 * The handlers' logs and metrics: Powertools' Logger and Metrics, wired to each invocation with
 * their documented calls (`addContext`, `appendKeys`, `resetKeys`, `publishStoredMetrics`), as
 * Powertools' manual instrumentation shows them. Not through Middy: its middleware (injectLambdaContext,
 * logMetrics) did the same work at 2.5 times the cost, which halved the local emulator's echo
 * (docs/benchmarks.md). Nothing here runs at import; a function's entry creates its telemetry once,
 * at cold start.
 */

/** What the handlers log through: the levels of Powertools' Logger. */
export type InvocationLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** A function's logger and metrics. */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * One structured JSON logger (message bodies are never logged at INFO) and CloudWatch metrics in
 * Embedded Metric Format (printed to stdout, no API calls). The log level is POWERTOOLS_LOG_LEVEL.
 */
export function createTelemetry(): Telemetry {
  const logger = new Logger({ serviceName: SERVICE_NAME });
  // The Metrics utility's own notices go to the logger at DEBUG. The one it gives most is "No
  // application metrics to publish", after every invocation that counted nothing, which is most of
  // them (an echo counts nothing): at WARN that would be a log line billed per invocation.
  const asDebug = (input: LogItemMessage, ...extra: LogItemExtraInput) => logger.debug(input, ...extra);
  const notices = { debug: asDebug, info: asDebug, warn: asDebug, error: logger.error.bind(logger) };
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, logger: notices });
  return { logger, metrics };
}

/** Counts something; the invocation's metrics are published when it ends. */
export function count(metrics: Pick<Metrics, 'addMetric'>, name: MetricName, value = 1): void {
  if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
}

/** Records a duration in milliseconds; the invocation's metrics are published when it ends. */
export function measureMs(metrics: Pick<Metrics, 'addMetric'>, name: MetricName, ms: number): void {
  metrics.addMetric(name, MetricUnit.Milliseconds, ms);
}

/** Counts each room broadcast's deliveries, failures and stale connections pruned. */
export function broadcastCounter(metrics: Pick<Metrics, 'addMetric'>): (result: FanoutResult) => void {
  return (result) => {
    count(metrics, METRIC.fanoutDeliveries, result.delivered);
    count(metrics, METRIC.fanoutFailures, result.failed);
    count(metrics, METRIC.stalePruned, result.pruned);
  };
}

/** A Lambda handler as the runtime calls it. */
export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

export interface InvocationTelemetry<E> {
  /** The keys every line of an invocation carries besides its Lambda context, from its event. */
  readonly logKeys: (event: E) => Record<string, unknown>;
  /** The line an unexpected error is logged with. */
  readonly failure: string;
  /** Errors the handler throws on purpose (its contract with its caller): rethrown, neither logged nor counted. */
  readonly expected?: (err: unknown) => boolean;
}

/**
 * `handler` with Powertools' per-invocation calls: every line an invocation logs carries its Lambda
 * context (request id, function, cold start) and its `logKeys`, none of an earlier invocation's
 * (`resetKeys`); its metrics are published when it ends, however it ends (an invocation that
 * counted nothing prints nothing); and an unexpected error is counted (HandlerErrors) and logged as
 * `failure` with that context before it is rethrown.
 */
export function withTelemetry<E, R>(
  handler: LambdaHandler<E, R>,
  telemetry: Telemetry,
  options: InvocationTelemetry<E>,
): LambdaHandler<E, R> {
  const { logger, metrics } = telemetry;
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys(options.logKeys(event));
    try {
      return await handler(event, context);
    } catch (error: unknown) {
      if (!options.expected?.(error)) {
        count(metrics, METRIC.errors);
        logger.error(options.failure, error as Error);
      }
      throw error;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
