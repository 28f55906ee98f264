/**
 * The emulator's own HTTP paths, beside the WebSocket stage on the same origin. The chat page
 * reads its configuration from CONFIG; the local stand-in for Cognito serves the rest.
 */
import { JWKS_PATH_UNDER_ISSUER, OPENID_CONFIGURATION_PATH_UNDER_ISSUER } from './auth';

/** Everything the emulator serves besides the stage and `@connections` lives under this path. */
const BASE = '/.switchboard';

export const LOCAL_PATHS = {
  base: BASE,
  /** The page's configuration: {@link PublishedConfig}. */
  config: `${BASE}/config.json`,
  /** The local issuer's URL path; its `iss` is the origin followed by this. */
  issuer: BASE,
  /** `GET ?user=NAME[&ttl=1h]`: a token from the local issuer (loopback clients only). */
  token: `${BASE}/token`,
  jwks: `${BASE}${JWKS_PATH_UNDER_ISSUER}`,
  openidConfiguration: `${BASE}${OPENID_CONFIGURATION_PATH_UNDER_ISSUER}`,
} as const;

/** What a server publishes at `LOCAL_PATHS.config` for the chat page. */
export interface PublishedConfig {
  /** Where the page connects: `ws://host:port/stage` or `wss://…/stage`. */
  readonly websocketUrl: string;
  readonly stage?: string;
  /** Where the page gets a token for the `$connect` authorizer, when authentication is on. */
  readonly tokenUrl?: string;
}
