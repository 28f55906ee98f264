import type { Context } from 'aws-lambda';
import { createRemoteJWKSet } from 'jose';
import { authorizeConnect, type AuthorizerResult, type ConnectAuthorizerEvent } from '../core/auth/authorize';
import { readAuthConfig } from '../core/auth/config';
import { createJwtVerifier, withResultCache } from '../core/auth/jwt-verifier';
import { logger } from '../core/telemetry';

const config = readAuthConfig();
// Module scope: the key set (fetched on first use, refetched for an unknown kid) outlives invocations.
const verifier = withResultCache(createJwtVerifier({ ...config, keys: createRemoteJWKSet(config.jwksUrl) }), config.resultCacheTtlSeconds);

/** The $connect REQUEST authorizer: verifies the `token` query parameter (a JWT). */
export async function handler(event: ConnectAuthorizerEvent, context: Context): Promise<AuthorizerResult> {
  logger.resetKeys();
  logger.addContext(context);
  logger.appendKeys({ connectionId: event.requestContext?.connectionId, routeKey: '$connect', requestId: event.requestContext?.requestId });
  try {
    return await authorizeConnect(event, verifier, logger);
  } catch (err: unknown) {
    if (!(err instanceof Error && err.message === 'Unauthorized')) logger.error('Authorizer failed', err as Error);
    throw err;
  }
}
