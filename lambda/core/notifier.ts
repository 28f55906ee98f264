import { GoneException, PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { isTransientAwsError, withRetry, type RetryOptions } from './retry';
import type { ServerFrame } from '../../protocol';

export type PostOutcome = 'sent' | 'gone';

/** Attempts per post (the first and 5 retries) before a recipient counts as failed. */
export const POST_ATTEMPTS = 6;

export interface NotifierOptions {
  /** Retry policy for throttling (LimitExceededException, 429) and 5xx. */
  retry?: Partial<RetryOptions>;
}

/** Pushes frames to connections through the API Gateway Management API (`@connections`). */
export class Notifier {
  private readonly retry: RetryOptions;

  constructor(
    private readonly client: ApiGatewayManagementApiClient,
    options: NotifierOptions = {},
  ) {
    this.retry = { maxAttempts: POST_ATTEMPTS, baseDelayMs: 50, maxDelayMs: 2000, isRetryable: isTransientAwsError, ...options.retry };
  }

  /**
   * Sends one frame. Resolves `gone` when the connection no longer exists
   * (410), so the caller can prune it; throws when retries are exhausted or
   * the error is not transient.
   */
  async post(connectionId: string, frame: ServerFrame | string, remainingMs?: () => number): Promise<PostOutcome> {
    const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
    try {
      await withRetry(() => this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data })), {
        ...this.retry,
        remainingMs,
      });
      return 'sent';
    } catch (err: unknown) {
      if (isGone(err)) return 'gone';
      throw err;
    }
  }
}

export function isGone(err: unknown): boolean {
  return (
    err instanceof GoneException ||
    (typeof err === 'object' && err !== null && (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410)
  );
}
