/**
 * The emulator's own HTTP paths, beside the WebSocket stage on the same origin. The chat page
 * reads its configuration from CONFIG, gets a guest's token from TOKEN and signs in through COGNITO.
 */

/** Everything the emulator serves besides the stage and `@connections` lives under this path. */
const BASE = '/.switchboard';

export const LOCAL_PATHS = {
  base: BASE,
  /** The page's configuration: {@link PublishedConfig}. */
  config: `${BASE}/config.json`,
  /** `GET ?user=NAME[&ttl=1h]`: a token signed with the local user pool's key (loopback clients only). */
  token: `${BASE}/token`,
  /**
   * The local Cognito (`InitiateAuth` and the other user pool operations, as
   * `@aws-sdk/client-cognito-identity-provider` sends them: POST, `X-Amz-Target`), on the page's
   * own origin. Give an SDK client the origin followed by this path as its `endpoint`.
   */
  cognito: `${BASE}/cognito`,
} as const;

/**
 * The password of every local user: the local issuer signs in any user name with it. Local only,
 * like the issuer itself; it exists so that the Cognito sign-in code path runs unchanged.
 */
export const LOCAL_PASSWORD = 'switchboard-local';

/**
 * The AWS keys every local caller uses: the emulator checks no signature, and a function run
 * locally gets these wherever its SDK looks for credentials, never the developer's own.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Where a client signs in with Cognito's `InitiateAuth` (USER_PASSWORD_AUTH), and as which app client. */
export interface CognitoSignIn {
  /**
   * The Cognito endpoint: absolute on AWS (`https://cognito-idp.<region>.amazonaws.com`); a path
   * on the origin that served the configuration for the emulator ({@link LOCAL_PATHS}.cognito).
   */
  readonly endpoint: string;
  /** The user pool's app client id (a public client: no secret). */
  readonly clientId: string;
  readonly region: string;
}

/** What a server publishes at `LOCAL_PATHS.config` for the chat page. */
export interface PublishedConfig {
  /** Where the page connects: `ws://host:port/stage` or `wss://…/stage`. */
  readonly websocketUrl: string;
  readonly stage?: string;
  /** Where the page gets a token for the `$connect` authorizer, when authentication is on. */
  readonly tokenUrl?: string;
  /** The emulator's Lambda Invoke API (an endpoint for LambdaClient, as AWS_ENDPOINT_URL_LAMBDA), e.g. `http://127.0.0.1:3001`. */
  readonly lambdaEndpoint?: string;
  /** The function `publish()` invokes, when the app has one: its name in the emulator. */
  readonly publishFunctionName?: string;
  /** Where the page signs in with a user name and password, when authentication is Cognito's. */
  readonly cognito?: CognitoSignIn;
}
