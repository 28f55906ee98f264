/**
 * The local issuer as the emulator serves it, on the gateway's origin: where it is (saved for the
 * token command), its endpoints, and what the page's configuration says about it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JWKS_PATH_UNDER_ISSUER, LOCAL_PATHS, type PublishedConfig } from '../../protocol';
import type { WebSocketAppSpec } from '../assembly/app-spec';
import { handleIssuerRequest, type IssuerState, type LocalIssuer } from './issuer';

export interface ServedIssuer {
  /** The issuer URL and the audience its tokens carry. */
  readonly state: IssuerState;
  /** `<issuer>/.well-known/jwks.json` */
  readonly jwksUrl: string;
  /** The page's configuration entries for signing in. */
  readonly publishedConfig: Partial<PublishedConfig>;
  /** Answers the issuer's paths; resolves false for any other. */
  readonly handle: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** A Cognito-shaped ID token for `user`. @default ttlSeconds 3600 */
  readonly mint: (user: string, ttlSeconds?: number) => Promise<string>;
}

/** Serves `key` at `<origin>/.switchboard/issuer` for the app's user pools, and saves where, for the token command. */
export async function serveIssuer(
  key: LocalIssuer,
  app: Pick<WebSocketAppSpec, 'region' | 'userPools'>,
  origin: string,
): Promise<ServedIssuer> {
  const clientIds = app.userPools.flatMap((p) => p.clientIds);
  // The audience is the pool's app client, as Cognito puts it in ID tokens.
  const state: IssuerState = { issuer: `${origin}${LOCAL_PATHS.issuer}`, audience: clientIds[0] ?? app.userPools[0].poolId };
  await key.saveState(state);
  return {
    state,
    jwksUrl: `${state.issuer}${JWKS_PATH_UNDER_ISSUER}`,
    // The sign-in endpoint is a path: the page resolves it against its own origin, so it stays same-origin.
    publishedConfig: {
      tokenUrl: LOCAL_PATHS.token,
      cognito: { endpoint: LOCAL_PATHS.cognito, clientId: state.audience, region: app.region },
    },
    handle: (req, res, url) => handleIssuerRequest(req, res, url, key, state, clientIds),
    mint: (user, ttlSeconds) => key.mint(state, { user, ttlSeconds }),
  };
}
