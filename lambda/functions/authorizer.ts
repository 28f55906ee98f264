import { readAuthConfig } from '../core/auth/config';
import { createIssuerKeys } from '../core/auth/issuer-keys';
import { createJwtVerifier, withResultCache } from '../core/auth/jwt-verifier';
import { makeHandler } from '../handlers/authorizer';
import { telemetry } from './environment';

const config = readAuthConfig();
// The key set (fetched on first use, refetched for an unknown kid) outlives invocations.
const keys = createIssuerKeys({ url: config.jwksUrl, algorithms: config.algorithms });

/** The `$connect` authorizer's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({
  verifier: withResultCache(createJwtVerifier({ ...config, keys }), config.resultCacheTtlSeconds),
  telemetry: telemetry(),
});
