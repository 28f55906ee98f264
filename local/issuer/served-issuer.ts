/**
 * The local issuer as the emulator serves it on the gateway's origin: the token endpoint, the
 * chat page's same-origin way to the local Cognito (`/.switchboard/cognito`), what the page's
 * configuration says about them, and where the token command finds the issuer (saved beside its key).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cognitoIssuerUrl, JWKS_PATH_UNDER_ISSUER, LOCAL_PATHS, type PublishedConfig } from '../../protocol';
import type { WebSocketAppSpec } from '../assembly/app-spec';
import { forwardRequest } from '../http/forward';
import { isLoopback } from '../http/loopback';
import { crossOriginRefusal } from '../http/request-guard';
import { handleTokenRequest, type IssuerState, type LocalIssuer } from './issuer';

export interface ServedIssuer {
  /** The issuer URL (the first user pool's, as Cognito names it) and the audience (its first app client). */
  readonly state: IssuerState;
  /** The pool's JWKS on the local Cognito's port, for programs on this machine. */
  readonly jwksUrl: string;
  /** The page's configuration entries for signing in. */
  readonly publishedConfig: Partial<PublishedConfig>;
  /** Answers the issuer's paths on the gateway; resolves false for any other. */
  readonly handle: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** A Cognito-shaped ID token for `user`. @default ttlSeconds 3600 */
  readonly mint: (user: string, ttlSeconds?: number) => Promise<string>;
}

/**
 * Serves `key` for the app's first user pool, whose local Cognito listens at `cognitoHostPort`,
 * and saves the issuer for the token command.
 */
export async function serveIssuer(
  key: LocalIssuer,
  app: Pick<WebSocketAppSpec, 'region' | 'urlSuffix' | 'userPools'>,
  cognitoHostPort: string,
): Promise<ServedIssuer> {
  const [pool] = app.userPools;
  // The audience is the pool's app client, as Cognito puts it in ID tokens.
  const state: IssuerState = {
    issuer: cognitoIssuerUrl(app.region, app.urlSuffix, pool.poolId),
    audience: pool.clients[0]?.clientId ?? pool.poolId,
  };
  await key.saveState(state);
  return {
    state,
    jwksUrl: `http://${cognitoHostPort}/${pool.poolId}${JWKS_PATH_UNDER_ISSUER}`,
    // The sign-in endpoint is a path: the page resolves it against its own origin, so it stays same-origin.
    publishedConfig: {
      tokenUrl: LOCAL_PATHS.token,
      cognito: { endpoint: LOCAL_PATHS.cognito, clientId: state.audience, region: app.region },
    },
    handle: async (req, res, url) => {
      if (url.pathname.replace(/\/$/, '') === LOCAL_PATHS.cognito) {
        await signInFromPage(req, res, cognitoHostPort);
        return true;
      }
      return handleTokenRequest(req, res, url, key, state);
    },
    mint: (user, ttlSeconds) => key.mint(state, { user, ttlSeconds }),
  };
}

/**
 * `/.switchboard/cognito`: the local Cognito for pages the emulator served and programs on this
 * machine; a page of another origin is refused as Cognito's AccessDeniedException (no CORS
 * headers are ever sent, so browsers keep other origins out as well).
 */
async function signInFromPage(req: IncomingMessage, res: ServerResponse, cognitoHostPort: string): Promise<void> {
  const refusal = isLoopback(req.socket.remoteAddress)
    ? crossOriginRefusal(req.headers)
    : 'The local sign-in endpoint answers only clients on this machine.';
  if (refusal === undefined) return forwardRequest(req, res, cognitoHostPort);
  req.resume();
  res.writeHead(403, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': 'AccessDeniedException' });
  res.end(JSON.stringify({ __type: 'AccessDeniedException', message: refusal }));
}
