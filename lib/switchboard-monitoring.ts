import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../contract';
import type { SwitchboardFunction } from './switchboard-function';

/**
 * What SwitchboardMonitoring watches: the parts of a SwitchboardApi it reads. A SwitchboardApi is
 * one; the interface keeps this file free of an import of the API, which creates its monitoring.
 */
export interface MonitoredApi {
  readonly api: { readonly apiId: string };
  readonly stage: { readonly stageName: string };
  /** The function behind each route, by route key. */
  readonly functions: Readonly<Record<string, SwitchboardFunction>>;
  readonly publishFunction: SwitchboardFunction;
  /** The `$connect` authorizer's function, if any. */
  readonly auth: { readonly function?: SwitchboardFunction };
  readonly table: dynamodb.ITable;
  /** The fan-out queue's dead-letter queue, and the worker its event source mapping invokes. */
  readonly fanoutQueue: { readonly deadLetterQueue: sqs.IQueue };
  readonly fanoutWorker: SwitchboardFunction;
}

export interface SwitchboardMonitoringProps {
  /** The API to watch (a SwitchboardApi). */
  readonly api: MonitoredApi;
  /**
   * Where alarms notify: every alarm publishes to it when it goes into ALARM and when it is back to
   * OK, so a notification also says when a problem is over.
   * @default no actions: alarms show in the console and the dashboard only
   */
  readonly alarmTopic?: sns.ITopic;
  /** Period every alarm evaluates. @default 5 minutes */
  readonly period?: Duration;
}

/**
 * Alarms on what breaks a WebSocket API (Lambda errors and throttles, API
 * Gateway integration and execution errors, DynamoDB throttling, undelivered
 * room messages) and one dashboard with the traffic next to them.
 */
export class SwitchboardMonitoring extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: SwitchboardMonitoringProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const { api } = props;
    const apiMetric = (metricName: string, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: api.api.apiId, Stage: api.stage.stageName },
        statistic,
        period,
      });
    const appMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period,
      });

    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string, threshold = 1) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (props.alarmTopic) {
        created.addAlarmAction(new actions.SnsAction(props.alarmTopic));
        created.addOkAction(new actions.SnsAction(props.alarmTopic));
      }
      this.alarms.push(created);
      return created;
    };

    for (const [routeKey, fn] of Object.entries(api.functions)) {
      const name = routeKey.replace(/^\$/, '');
      const label = name.charAt(0).toUpperCase() + name.slice(1);
      alarm(`${label}Errors`, fn.function.metricErrors({ period }), `The ${routeKey} handler threw; clients saw "Internal server error".`);
      alarm(
        `${label}Throttles`,
        fn.function.metricThrottles({ period }),
        `The ${routeKey} handler was throttled (account or reserved concurrency).`,
      );
    }
    // A backend's publish that throws is reported to it as a function error; an async invoker retries.
    alarm(
      'PublishErrors',
      api.publishFunction.function.metricErrors({ period }),
      'The Publish function threw; backends saw a function error.',
    );
    alarm(
      'PublishThrottles',
      api.publishFunction.function.metricThrottles({ period }),
      'The Publish function was throttled (account or reserved concurrency).',
    );
    const authorizer = api.auth.function?.function;
    if (authorizer) {
      // A crashing authorizer turns every handshake into a 500: nobody can connect.
      alarm(
        'AuthorizerErrors',
        authorizer.metricErrors({ period }),
        'The $connect authorizer threw; every handshake failed with 500 meanwhile.',
      );
      alarm(
        'AuthorizerThrottles',
        authorizer.metricThrottles({ period }),
        'The $connect authorizer was throttled; handshakes failed meanwhile.',
      );
      // The cause behind most authorizer errors during an identity provider incident, named as such.
      alarm(
        'AuthorizerKeyFetchFailures',
        appMetric(METRIC.authorizerKeyFetchFailures),
        "The $connect authorizer could not get the issuer's signing keys (JWKS unreachable, not 200, not JSON, no usable key, or too slow); handshakes failed with 500 meanwhile. The authorizer logs name the reason.",
      );
    }
    alarm('IntegrationErrors', apiMetric('IntegrationError'), 'API Gateway got errors back from the Lambda integrations.', 5);
    alarm('ExecutionErrors', apiMetric('ExecutionError'), 'API Gateway failed to run integrations.');
    const tableThrottles = api.table.metricThrottledRequestsForOperations({
      operations: [
        dynamodb.Operation.GET_ITEM,
        dynamodb.Operation.PUT_ITEM,
        dynamodb.Operation.UPDATE_ITEM,
        dynamodb.Operation.DELETE_ITEM,
        dynamodb.Operation.QUERY,
        dynamodb.Operation.BATCH_WRITE_ITEM,
      ],
      period,
    });
    alarm('TableThrottles', tableThrottles, 'DynamoDB throttled Switchboard requests (retried with backoff, but capacity is short).');
    alarm(
      'UndeliveredRoomMessages',
      appMetric(METRIC.fanoutFailures),
      'Room messages missed members after retries (see the message handler logs).',
    );

    alarm(
      'FanoutWorkerErrors',
      api.fanoutWorker.function.metricErrors({ period }),
      'The fan-out worker threw; its jobs are handed out again, and reach the dead-letter queue after 3 tries.',
    );
    // Any job there is a room frame some members never got: its body names the room, shard and seq.
    alarm(
      'FanoutDeadLetters',
      api.fanoutQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      "Fan-out jobs failed 3 times and wait in the fan-out dead-letter queue: members of a big room missed a frame (each job's body names the room, shard and seq).",
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const allFunctions = [
      ...Object.values(api.functions),
      api.publishFunction,
      api.fanoutWorker,
      ...(api.auth.function ? [api.auth.function] : []),
    ];
    const fnMetrics = (pick: (fn: SwitchboardFunction) => cloudwatch.IMetric) => allFunctions.map((fn) => pick(fn));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Connections',
        left: [apiMetric('ConnectCount'), appMetric(METRIC.connectionsOpened), appMetric(METRIC.connectionsClosed)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Messages',
        left: [apiMetric('MessageCount'), appMetric(METRIC.roomMessages), appMetric(METRIC.framesRejected)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Room fan-out',
        left: [appMetric(METRIC.fanoutDeliveries)],
        right: [appMetric(METRIC.fanoutFailures), appMetric(METRIC.stalePruned)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Queued fan-out latency (ms)',
        left: [
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: METRIC.fanoutLatency,
            dimensionsMap: { service: SERVICE_NAME },
            statistic: 'p99',
            period,
          }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API errors',
        left: [apiMetric('IntegrationError'), apiMetric('ExecutionError'), apiMetric('ClientError')],
      }),
      new cloudwatch.GraphWidget({ title: 'Handler errors', left: fnMetrics((fn) => fn.function.metricErrors({ period })) }),
      new cloudwatch.GraphWidget({
        title: 'Handler duration p99',
        left: fnMetrics((fn) => fn.function.metricDuration({ period, statistic: 'p99' })),
      }),
      new cloudwatch.GraphWidget({ title: 'DynamoDB throttles', left: [tableThrottles] }),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
  }
}
