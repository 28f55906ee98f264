import { authorizeConnect, UnauthorizedError, type AuthorizerResult, type ConnectAuthorizerEvent } from '../core/auth/authorize';
import { KeyFetchError } from '../core/auth/issuer-keys';
import type { TokenVerifier } from '../core/auth/jwt-verifier';
import { count, withTelemetry, type LambdaHandler, type Telemetry } from '../core/telemetry';

export interface AuthorizerDeps {
  /** Verifies the token; its issuer's key set outlives invocations. */
  readonly verifier: TokenVerifier;
  readonly telemetry: Telemetry;
}

/** The $connect REQUEST authorizer: verifies the `token` query parameter (a JWT). */
export function makeHandler({ verifier, telemetry }: AuthorizerDeps): LambdaHandler<ConnectAuthorizerEvent, AuthorizerResult> {
  const { logger, metrics } = telemetry;
  return withTelemetry((event) => authorizeConnect(event, verifier, logger, (metric) => count(metrics, metric)), telemetry, {
    logKeys: (event) => ({
      connectionId: event.requestContext?.connectionId,
      routeKey: '$connect',
      requestId: event.requestContext?.requestId,
    }),
    failure: 'Authorizer failed',
    // A missing token (401) is not a failure; a key fetch failure is already logged with its reason, and counted.
    expected: (err) => err instanceof UnauthorizedError || err instanceof KeyFetchError,
  });
}
