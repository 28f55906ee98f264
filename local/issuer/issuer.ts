/**
 * The emulator's stand-in for Cognito: one RSA signing key, a JWKS endpoint and Cognito-shaped
 * ID tokens. The app's authorizer runs unchanged; only its configuration differs, as the
 * emulator rewrites the user pool's issuer URL (https://cognito-idp.<region>.<suffix>/<pool id>)
 * in function environments to this issuer. Local only: anyone who can reach it can mint tokens.
 * It also answers Cognito's `InitiateAuth` (USER_PASSWORD_AUTH) for any user name with the one
 * local password, so that code signing in with the Cognito SDK runs unchanged against it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { cognitoIssuerUrl, COGNITO_INITIATE_AUTH, guestName, JWKS_PATH_UNDER_ISSUER, LOCAL_PASSWORD, LOCAL_PATHS } from '../../protocol';
import type { WebSocketAppSpec } from '../assembly/app-spec';
import { isLoopback } from '../http/loopback';
import { crossOriginRefusal } from '../http/request-guard';
import { readBody } from '../http/request-body';

/** File names under the key folder. */
const KEY_FILE = 'switchboard-local-issuer-key.json';
const STATE_FILE = 'switchboard-local-issuer.json';
const ALG = 'RS256';
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** A user name as Cognito accepts it, kept short. */
const USER_NAME = /^[A-Za-z0-9_.@+-]{1,64}$/;

/** What the token command (`switchboard-local token`) needs to mint a token the running emulator accepts. */
export interface IssuerState {
  readonly issuer: string;
  readonly audience: string;
}

export interface MintOptions {
  /** The user name, in `cognito:username` (`username` in an access token); the `sub` is {@link localSubject} of it. */
  readonly user: string;
  /** @default 3600 */
  readonly ttlSeconds?: number;
  /**
   * `id`: an ID token (the app client in `aud`); `access`: an access token (the app client in
   * `client_id`, no `aud`), as Cognito issues them. The authorizer accepts both.
   * @default 'id'
   */
  readonly tokenUse?: 'id' | 'access';
  /** The app client the token is for. @default the state's audience */
  readonly clientId?: string;
  /** The user's groups, in `cognito:groups` as Cognito puts them (for room rules that name it). @default none */
  readonly groups?: readonly string[];
}

/** A Cognito user pool of the template, with its local id and app client ids. */
export interface LocalUserPool {
  readonly poolId: string;
  readonly clientIds: readonly string[];
}

/** Rewrites every user pool's issuer URL in a value to the local issuer. */
export function rewriteIssuerUrls(
  value: string,
  app: Pick<WebSocketAppSpec, 'region' | 'urlSuffix'>,
  pools: readonly LocalUserPool[],
  localIssuer: string,
): string {
  let out = value;
  for (const pool of pools) out = out.split(cognitoIssuerUrl(app.region, app.urlSuffix, pool.poolId)).join(localIssuer);
  return out;
}

/** The namespace of {@link localSubject}'s name-based UUIDs: any fixed UUID would do; this one is Switchboard's. */
const SUBJECT_NAMESPACE = Buffer.from('7c1f9a52d0b44e6c9f3a2b8e5d61c0aa', 'hex');

/**
 * A local user's `sub`: a UUID, as Cognito's are, so nothing that shows ids passes locally and
 * fails on a real stage; derived from the user name (RFC 4122 version 5), so it is the same
 * across restarts and machines.
 */
export function localSubject(user: string): string {
  const hash = createHash('sha1').update(SUBJECT_NAMESPACE).update(user, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Checks a user name for a token; throws saying what is expected. */
export function checkUserName(user: string): void {
  if (!USER_NAME.test(user)) throw new Error(`user "${user}" must be 1-64 characters of A-Z a-z 0-9 _ . @ + -`);
}

/** Parses a token lifetime such as 90, 90s, 15m, 1h or 1d into seconds (at most a day). */
export function parseTtl(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
  if (!(seconds >= 1 && seconds <= 86400)) throw new Error(`ttl "${value}" must be a duration such as 90s, 15m, 1h or 1d (at most 1d)`);
  return seconds;
}

/** The signing key and the tokens it signs. */
export class LocalIssuer {
  private constructor(
    private readonly privateKey: KeyLike,
    private readonly publicJwk: JWK,
    /** The folder that keeps the key and the state file; undefined when in memory. */
    readonly keyDir: string | undefined,
  ) {}

  /** Loads the key kept in `keyDir`, or makes one (and keeps it there); in memory without a folder. */
  static async open(keyDir?: string): Promise<LocalIssuer> {
    if (keyDir) {
      const file = path.join(keyDir, KEY_FILE);
      const saved = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (saved !== undefined) {
        const jwk = JSON.parse(saved) as JWK;
        return new LocalIssuer((await importJWK(jwk, ALG)) as KeyLike, publicPart(jwk), keyDir);
      }
    }
    const { privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid: `local-${randomBytes(6).toString('hex')}`, alg: ALG, use: 'sig' };
    if (keyDir) {
      await mkdir(keyDir, { recursive: true });
      const file = path.join(keyDir, KEY_FILE);
      await writeFile(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
    }
    return new LocalIssuer(privateKey, publicPart(jwk), keyDir);
  }

  /** The JWKS the authorizer fetches: the public key only. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** A Cognito-shaped ID token (or access token) for `user`, as the user pool's app client would receive it. */
  async mint(state: IssuerState, options: MintOptions): Promise<string> {
    checkUserName(options.user);
    const now = Math.floor(Date.now() / 1000);
    const clientId = options.clientId ?? state.audience;
    const claims =
      options.tokenUse === 'access'
        ? { token_use: 'access', client_id: clientId, username: options.user, scope: 'aws.cognito.signin.user.admin', auth_time: now }
        : { token_use: 'id', 'cognito:username': options.user, auth_time: now };
    const groups = options.groups && options.groups.length > 0 ? { 'cognito:groups': [...options.groups] } : {};
    const jwt = new SignJWT({ ...claims, ...groups, jti: randomBytes(16).toString('hex') })
      .setProtectedHeader({ alg: ALG, kid: this.publicJwk.kid, typ: 'JWT' })
      .setIssuer(state.issuer)
      .setSubject(localSubject(options.user))
      .setIssuedAt(now)
      .setExpirationTime(now + (options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS));
    return (options.tokenUse === 'access' ? jwt : jwt.setAudience(clientId)).sign(this.privateKey);
  }

  /** Records where the running emulator's issuer is, for the token command. */
  async saveState(state: IssuerState): Promise<void> {
    if (this.keyDir) await writeFile(path.join(this.keyDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  }

  /** The state the last emulator start saved in `keyDir`. */
  static async readState(keyDir: string): Promise<IssuerState | undefined> {
    const text = await readFile(path.join(keyDir, STATE_FILE), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as IssuerState);
  }

  /** Whether a key has been made in `keyDir`. */
  static async hasKey(keyDir: string): Promise<boolean> {
    return readFile(path.join(keyDir, KEY_FILE)).then(
      () => true,
      () => false,
    );
  }
}

function publicPart(jwk: JWK): JWK {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg, use };
}

/**
 * Serves the issuer's endpoints on the gateway: the JWKS and OpenID discovery document,
 * `GET /.switchboard/token?user=NAME[&ttl=1h]` for the chat page and scripts (loopback clients
 * only; without `user`, a guest name is made up), and Cognito's `InitiateAuth` at
 * `LOCAL_PATHS.cognito` (see {@link handleSignIn}). False when the path is not the issuer's.
 */
export async function handleIssuerRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  issuer: LocalIssuer,
  state: IssuerState,
  /** The user pool's app clients that may sign in. @default the state's audience */
  clientIds: readonly string[] = [state.audience],
): Promise<boolean> {
  if (url.pathname.replace(/\/$/, '') === LOCAL_PATHS.cognito) return handleSignIn(req, res, issuer, state, clientIds);
  if (!url.pathname.startsWith(`${LOCAL_PATHS.issuer}/`) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    return true;
  };
  if (url.pathname === LOCAL_PATHS.jwks) return send(200, issuer.jwks());
  if (url.pathname === LOCAL_PATHS.openidConfiguration) {
    return send(200, {
      issuer: state.issuer,
      jwks_uri: `${state.issuer}${JWKS_PATH_UNDER_ISSUER}`,
      id_token_signing_alg_values_supported: [ALG],
    });
  }
  if (url.pathname !== LOCAL_PATHS.token) return false;
  if (!isLoopback(req.socket.remoteAddress)) {
    return send(403, { message: 'The local token endpoint answers only clients on this machine.' });
  }
  const user = url.searchParams.get('user') ?? guestName();
  try {
    const ttlSeconds = parseTtl(url.searchParams.get('ttl') ?? String(DEFAULT_TOKEN_TTL_SECONDS));
    return send(200, { token: await issuer.mint(state, { user, ttlSeconds }), user, expiresIn: ttlSeconds });
  } catch (err: unknown) {
    return send(400, { message: (err as Error).message });
  }
}

/** The one Cognito operation the local issuer answers, as the SDK names it in `X-Amz-Target`, and the content type it speaks. */
const { target: INITIATE_AUTH_TARGET, contentType: AMZ_JSON } = COGNITO_INITIATE_AUTH;
/** A sign-in request is a few hundred bytes; anything past this is not one. */
const MAX_SIGN_IN_BODY_BYTES = 16 * 1024;

/** A Cognito error as the service sends it: the SDK reads the type from `__type` (and the header). */
class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Cognito's `InitiateAuth` with `AuthFlow: USER_PASSWORD_AUTH`, as `@aws-sdk/client-cognito-identity-provider`
 * sends it: any valid user name signs in with {@link LOCAL_PASSWORD}, and gets an ID token and an
 * access token signed by the local issuer (both pass the app's authorizer). Errors are Cognito's:
 * a wrong password is `NotAuthorizedException` (400). Clients on this machine only, and no page of
 * another origin (no CORS headers are ever sent, so browsers keep other origins out as well).
 */
export async function handleSignIn(
  req: IncomingMessage,
  res: ServerResponse,
  issuer: LocalIssuer,
  state: IssuerState,
  clientIds: readonly string[],
): Promise<true> {
  const send = (status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, {
      'content-type': AMZ_JSON,
      'cache-control': 'no-store',
      ...(errorType ? { 'x-amzn-errortype': `${errorType}:` } : {}),
    });
    res.end(JSON.stringify(body));
    return true as const;
  };
  try {
    if (!isLoopback(req.socket.remoteAddress)) {
      throw new CognitoError('AccessDeniedException', 'The local sign-in endpoint answers only clients on this machine.', 403);
    }
    const refusal = crossOriginRefusal(req.headers);
    if (refusal) throw new CognitoError('AccessDeniedException', refusal, 403);
    if (req.method !== 'POST') {
      throw new CognitoError('UnknownOperationException', `Use POST with X-Amz-Target: ${INITIATE_AUTH_TARGET}; got ${req.method}.`);
    }
    const target = req.headers['x-amz-target'];
    if (target !== INITIATE_AUTH_TARGET) {
      throw new CognitoError(
        'UnknownOperationException',
        `The local issuer answers only X-Amz-Target: ${INITIATE_AUTH_TARGET}; got ${JSON.stringify(target ?? null)}.`,
      );
    }
    const result = await initiateAuth(await readJsonBody(req), issuer, state, clientIds);
    return send(200, result);
  } catch (err: unknown) {
    if (!(err instanceof CognitoError)) throw err;
    return send(err.status, { __type: err.type, message: err.message }, err.type);
  }
}

/** The sign-in itself: checks the request as Cognito would, then mints the tokens. */
async function initiateAuth(body: unknown, issuer: LocalIssuer, state: IssuerState, clientIds: readonly string[]): Promise<unknown> {
  const request = (typeof body === 'object' && body !== null ? body : {}) as {
    AuthFlow?: unknown;
    ClientId?: unknown;
    AuthParameters?: { USERNAME?: unknown; PASSWORD?: unknown } | null;
  };
  if (request.AuthFlow !== 'USER_PASSWORD_AUTH') {
    throw new CognitoError(
      'InvalidParameterException',
      `The local issuer supports AuthFlow USER_PASSWORD_AUTH only; got ${JSON.stringify(request.AuthFlow ?? null)}.`,
    );
  }
  if (typeof request.ClientId !== 'string' || !clientIds.includes(request.ClientId)) {
    throw new CognitoError(
      'ResourceNotFoundException',
      `User pool client ${String(request.ClientId)} does not exist; the app's client id is ${clientIds.join(', ')}.`,
    );
  }
  const { USERNAME: user, PASSWORD: password } = request.AuthParameters ?? {};
  if (typeof user !== 'string' || user === '') throw new CognitoError('InvalidParameterException', 'Missing required parameter USERNAME');
  if (typeof password !== 'string' || password === '') {
    throw new CognitoError('InvalidParameterException', 'Missing required parameter PASSWORD');
  }
  try {
    checkUserName(user);
  } catch (err: unknown) {
    throw new CognitoError('InvalidParameterException', (err as Error).message);
  }
  // The same answer for every failure, as Cognito gives with preventUserExistenceErrors.
  if (password !== LOCAL_PASSWORD) throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
  const ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS;
  const [IdToken, AccessToken] = await Promise.all([
    issuer.mint(state, { user, ttlSeconds, tokenUse: 'id', clientId: request.ClientId }),
    issuer.mint(state, { user, ttlSeconds, tokenUse: 'access', clientId: request.ClientId }),
  ]);
  // No RefreshToken: the local issuer keeps no sessions; signing in again is as cheap.
  return { AuthenticationResult: { IdToken, AccessToken, ExpiresIn: ttlSeconds, TokenType: 'Bearer' }, ChallengeParameters: {} };
}

/** Reads a JSON request body of at most MAX_SIGN_IN_BODY_BYTES; a larger one is drained, not kept. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, MAX_SIGN_IN_BODY_BYTES))?.toString('utf8');
  if (text === undefined) {
    throw new CognitoError(
      'SerializationException',
      `The request body is over ${MAX_SIGN_IN_BODY_BYTES} bytes; a sign-in is a few hundred.`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CognitoError(
      'SerializationException',
      'The request body is not JSON; expected {"AuthFlow":"USER_PASSWORD_AUTH","ClientId":...}.',
    );
  }
}

/** Where the CLI keeps the key: in the data dir when there is one, else `.switchboard/` in the app folder. */
export function localIssuerDirFor(dataDir: string | undefined, cwd: string = process.cwd()): string {
  return dataDir ?? path.join(cwd, '.switchboard');
}
