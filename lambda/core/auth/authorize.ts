import { AUTHORIZER_UNAUTHORIZED_MESSAGE, TOKEN_QUERY_PARAMETER } from '../../../protocol';
import { METRIC, type MetricName } from '../../../contract/metrics';
import { DISPLAY_NAME_CONTEXT_KEY } from '../display-name';
import { CLAIMS_CONTEXT_KEY } from '../room-rules';
import { KeyFetchError } from './issuer-keys';
import type { TokenVerifier, Verification } from './jwt-verifier';

/** The REQUEST authorizer event API Gateway sends for `$connect` (the fields used here). */
export interface ConnectAuthorizerEvent {
  readonly type: 'REQUEST';
  /** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/$connect` */
  readonly methodArn: string;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  /** Every value of each query parameter, in order; `queryStringParameters` keeps only the last. */
  readonly multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  readonly requestContext?: { readonly connectionId?: string; readonly requestId?: string };
}

/** What API Gateway expects back: a policy on the method ARN; `context` values reach every later event. */
export interface AuthorizerResult {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }];
  };
  context?: { userId: string; username: string; [DISPLAY_NAME_CONTEXT_KEY]?: string; [CLAIMS_CONTEXT_KEY]?: string };
}

/** A `$connect` without credentials: API Gateway answers 401 for this error's message, and only for it. */
export class UnauthorizedError extends Error {
  constructor() {
    super(AUTHORIZER_UNAUTHORIZED_MESSAGE);
    this.name = 'UnauthorizedError';
  }
}

/** Logs the decision; never the token. */
export interface AuthorizerLog {
  info(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/**
 * Decides a `$connect`: Allow with the user's identity, or Deny (API Gateway
 * answers 403) for a token that is present but not valid, or present more than
 * once. A missing token throws {@link UnauthorizedError} (401), as API Gateway itself
 * answers when the identity source is missing. A failure to verify at all
 * propagates (500); when the issuer's keys could not be had, it is logged with
 * its reason and counted first.
 */
export async function authorizeConnect(
  event: ConnectAuthorizerEvent,
  verifier: TokenVerifier,
  log: AuthorizerLog,
  count: (metric: MetricName) => void,
): Promise<AuthorizerResult> {
  // Which of several tokens API Gateway or a proxy would pick is not ours to guess.
  const tokens = event.multiValueQueryStringParameters?.[TOKEN_QUERY_PARAMETER] ?? [];
  if (tokens.length > 1) {
    log.info('Connection denied: several token parameters', { count: tokens.length });
    return policy('unauthenticated', 'Deny', event.methodArn);
  }
  const token = event.queryStringParameters?.[TOKEN_QUERY_PARAMETER];
  if (token === undefined || token === '') {
    log.info('Connection refused: no token', {});
    throw new UnauthorizedError();
  }
  let result: Verification;
  try {
    result = await verifier.verify(token);
  } catch (err: unknown) {
    if (err instanceof KeyFetchError) {
      count(METRIC.authorizerKeyFetchFailures);
      log.error("Connection failed: the issuer's signing keys could not be fetched", { reason: err.reason, error: err.message });
    }
    throw err;
  }
  if (!result.ok) {
    log.info('Connection denied: invalid token', { reason: result.reason });
    return policy('unauthenticated', 'Deny', event.methodArn);
  }
  const { userId, username, displayName, claims, claimsTruncated } = result.identity;
  // Never the name: it is personal data, and the user id says who.
  log.info('Connection authorized', { userId, ...(claimsTruncated ? { claimsTruncated } : {}) });
  return {
    ...policy(userId, 'Allow', event.methodArn),
    context: {
      userId,
      username,
      ...(displayName === undefined ? {} : { [DISPLAY_NAME_CONTEXT_KEY]: displayName }),
      ...(claims === undefined ? {} : { [CLAIMS_CONTEXT_KEY]: claims }),
    },
  };
}

function policy(principalId: string, effect: 'Allow' | 'Deny', resource: string): AuthorizerResult {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  };
}
