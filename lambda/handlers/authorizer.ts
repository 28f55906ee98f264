import type { Context } from 'aws-lambda';
import { authorizeConnect, UnauthorizedError, type AuthorizerResult, type ConnectAuthorizerEvent } from '../core/auth/authorize';
import { readAuthConfig } from '../core/auth/config';
import { createIssuerKeys, KeyFetchError } from '../core/auth/issuer-keys';
import { createJwtVerifier, withResultCache } from '../core/auth/jwt-verifier';
import { beginInvocationLog, count, flushMetrics, logger } from '../core/telemetry';

const config = readAuthConfig();
// Module scope: the key set (fetched on first use, refetched for an unknown kid) outlives invocations.
const keys = createIssuerKeys({ url: config.jwksUrl, algorithms: config.algorithms });
const verifier = withResultCache(createJwtVerifier({ ...config, keys }), config.resultCacheTtlSeconds);

/** The $connect REQUEST authorizer: verifies the `token` query parameter (a JWT). */
export async function handler(event: ConnectAuthorizerEvent, context: Context): Promise<AuthorizerResult> {
  beginInvocationLog(context, {
    connectionId: event.requestContext?.connectionId,
    routeKey: '$connect',
    requestId: event.requestContext?.requestId,
  });
  try {
    return await authorizeConnect(event, verifier, logger, count);
  } catch (err: unknown) {
    // A missing token (401) is not a failure; a key fetch failure is already logged with its reason.
    const expected = err instanceof KeyFetchError || err instanceof UnauthorizedError;
    if (!expected) logger.error('Authorizer failed', err as Error);
    throw err;
  } finally {
    flushMetrics();
  }
}
