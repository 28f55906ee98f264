/**
 * The handlers' CloudWatch metrics: namespace, service dimension and names, in one place for
 * the handlers (which emit them), and the alarms and dashboard (which read them). Constants
 * only: importing this builds no logger or metrics client.
 */

/** CloudWatch namespace of the handlers' EMF metrics. */
export const METRICS_NAMESPACE = 'Switchboard';

/** Powertools' service name, also the `service` dimension of every metric. */
export const SERVICE_NAME = 'switchboard';

export const METRIC = {
  connectionsOpened: 'ConnectionsOpened',
  connectionsClosed: 'ConnectionsClosed',
  /** Room messages received (echo messages are API Gateway's own MessageCount, at no cost: no EMF line for them). */
  roomMessages: 'RoomMessages',
  framesRejected: 'FramesRejected',
  fanoutDeliveries: 'FanoutDeliveries',
  fanoutFailures: 'FanoutFailures',
  /** Milliseconds from a queued room frame's acceptance (`ts`) to its shard's last post, one value per shard. */
  fanoutLatency: 'FanoutLatency',
  stalePruned: 'StaleConnectionsPruned',
  errors: 'HandlerErrors',
  /** The authorizer could not get the issuer's signing keys, so a handshake failed with 500. */
  authorizerKeyFetchFailures: 'AuthorizerKeyFetchFailures',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
